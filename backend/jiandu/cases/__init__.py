"""Cases: the closed loop 受理 → 建账 → 转办 → 签收 → 反馈 → 核查 → 回访 → 办结, and the ledger."""
