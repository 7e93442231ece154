"""A lead stays a lead: one rule for every kind of category an admin edits (citizens' report
categories, enterprises' blocker categories).

A lead (问题线索: 吃拿卡要, 违规干预…) is about the conduct of a department's staff, so it goes to the
commission and never to that department; service requests and work-style complaints go to the
department. Turning a lead category into one of those would hand every future report of it to the
people it accuses, so it is refused, for every admin."""
from __future__ import annotations

from jiandu.errors import Invalid

LEAD = "lead"
REROUTING_A_LEAD = "问题线索类别不能改为其他案件类型：改后此类反映将转给被反映的单位办理"


def lead_rerouting_error(current_case_type: str | None, new_case_type: str | None) -> str | None:
    """The field error for `case_type` when a change would route a lead category to the department."""
    if current_case_type == LEAD and new_case_type not in (None, LEAD):
        return REROUTING_A_LEAD
    return None


def refuse_rerouting_a_lead(current_case_type: str | None, new_case_type: str | None) -> None:
    error = lead_rerouting_error(current_case_type, new_case_type)
    if error:
        raise Invalid({"case_type": error})
