"""A case's state in the words the public reads: the reporter's tracking page and the enterprise's
blockers, in Chinese and English."""
from __future__ import annotations

PUBLIC_STATES = {
    "zh": {
        "received": "已受理", "registered": "已登记", "assigned": "已转交承办单位", "signed": "承办单位已签收",
        "answered": "承办单位已答复", "verified": "已核查", "revisited": "已回访", "closed": "已办结",
        "not_accepted": "不予受理", "merged": "已并入相关事项办理", "handed_over": "已移交有关部门",
        "parked": "办理中", "sent_up": "已报送上级机关办理",
    },
    "en": {
        "received": "Received", "registered": "Registered", "assigned": "Referred to the responsible unit",
        "signed": "Acknowledged by the unit", "answered": "Answered", "verified": "Checked",
        "revisited": "Followed up", "closed": "Closed", "not_accepted": "Not accepted",
        "merged": "Handled together with a related matter", "handed_over": "Handed over", "parked": "In progress",
        "sent_up": "Passed to a higher authority",
    },
}


def public_state(state: str | None, lang: str) -> str:
    """A state in the words of the public tracking page."""
    return PUBLIC_STATES[lang].get(state, "In progress" if lang == "en" else "办理中")
