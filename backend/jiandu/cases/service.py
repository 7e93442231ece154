"""The public face of the cases package: the closed loop 受理 → 建账 → 转办 → 签收 → 反馈 → 核查 → 回访 → 办结.

Callers import from here; the rules live in the modules behind it:
`moves` (the table of moves and its labels), `opening` (受理, one case or many, and the case number),
`events` (a case's events), `visibility` (who may see and act), `acting` (`act()`, with the moves'
plans in `registering`, `handling` and `closing`), `deadlines` (the rules in force and the clocks),
`reporter` (the tracking page).
"""
from __future__ import annotations

from jiandu.cases.acting import act
from jiandu.cases.closing import visit_fields
from jiandu.cases.deadlines import (DEFAULT_RULES, ESCALATE_AFTER_WORKDAYS, MAX_EXTENSION_WORKDAYS, Rule,
                                    handling_kind, rule_for, rules_for, set_rule)
from jiandu.cases.events import append_event
from jiandu.cases.moves import (ACTION_LABELS, CASE_TYPE_LABELS, HANDLER, INITIAL, INSPECTOR, MOVES,
                                SATISFACTION_LABELS, SATISFIED_LEVELS, STATE_LABELS, InconsistentEvents, Move,
                                derive_state)
from jiandu.cases.opening import case_number, insert_case, open_case, open_cases
from jiandu.cases.reporter import public_timeline, reporter_return_visit
from jiandu.cases.visibility import allowed_actions, check_version, get_case, roles_of, visible_cases

__all__ = [
    "ACTION_LABELS", "CASE_TYPE_LABELS", "DEFAULT_RULES", "ESCALATE_AFTER_WORKDAYS", "HANDLER", "INITIAL", "INSPECTOR",
    "MAX_EXTENSION_WORKDAYS", "MOVES", "SATISFACTION_LABELS", "SATISFIED_LEVELS", "STATE_LABELS",
    "InconsistentEvents", "Move", "Rule",
    "act", "allowed_actions", "append_event", "case_number", "check_version", "derive_state", "get_case",
    "handling_kind", "insert_case", "open_case", "open_cases", "public_timeline", "reporter_return_visit",
    "roles_of", "rule_for", "rules_for", "set_rule", "visible_cases", "visit_fields",
]
