"""Major projects (掌上监督): registry, approvals, payments, milestones, blockers, enterprise access."""
