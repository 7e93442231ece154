"""Demo cases for the demo city: some in every state, some yellow and red. Called by the demo seed."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from jiandu.cases import service
from jiandu.cases.models import Case
from jiandu.extensions import db
from jiandu.org.models import Point, User
from jiandu.timeutil import utcnow

SUMMARIES = [
    ("办事效率", "service_request", "窗口要求重复提交已提交过的材料，跑了三趟还没办成"),
    ("办事效率", "service_request", "营业执照变更超过承诺时限仍未办结"),
    ("服务态度", "work_style", "窗口工作人员态度生硬，不耐心解答问题"),
    ("服务态度", "work_style", "工作时间窗口无人，等候四十分钟"),
    ("政策落实", "service_request", "惠企补贴申报后半年未兑现"),
    ("吃拿卡要", "lead", "有工作人员暗示需要“意思意思”才能加快审批"),
    ("bad_rating", "work_style", "好差评：非常不满意——办理不动产登记被多次退件"),
    ("中介服务", "service_request", "指定中介机构收费过高、出具报告拖延"),
]
# (state to reach, how many)
PLAN = [("received", 3), ("registered", 2), ("assigned", 3), ("signed", 4), ("answered", 2), ("verified", 2),
        ("revisited", 1), ("closed", 5), ("not_accepted", 1), ("merged", 1), ("handed_over", 1), ("parked", 1)]
PATH = ["register", "assign", "sign", "answer", "verify", "return_visit", "close"]
REACH = {"received": 0, "registered": 1, "assigned": 2, "signed": 3, "answered": 4, "verified": 5,
         "revisited": 6, "closed": 7}


def _user(name):
    return db.session.scalar(select(User).where(User.username == name))


def seed_cases(rng: random.Random) -> dict:
    """Make the demo cases in the current session (flushed, not committed); some overdue (red) or
    two-thirds through their time (yellow). Returns counts."""
    inspector, handler = _user("inspector"), _user("handler")
    if inspector is None or handler is None:
        return {"cases": 0}
    department = handler.unit
    points = db.session.scalars(select(Point).where(Point.department_id == department.id)
                                .order_by(Point.id)).all() or [None]
    made: list[Case] = []
    target = None
    for state, count in PLAN:
        for _ in range(count):
            category, case_type, summary = rng.choice(SUMMARIES)
            if state == "handed_over":
                category, case_type, summary = SUMMARIES[5]
            elif case_type == "lead":
                category, case_type, summary = SUMMARIES[0]
            point = rng.choice(points)
            jurisdiction_id = point.jurisdiction_id if point else department.jurisdiction_id
            case = service.open_case(channel=rng.choice(["window_code", "window_code", "hall_code", "website"]),
                                     summary=summary, jurisdiction_id=jurisdiction_id,
                                     point_id=point.id if point else None)
            age = timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 8))
            case.created_at -= age
            db.session.flush()
            _walk(case, state, category, case_type, inspector, handler, rng, target)
            if state == "received" and target is None:
                target = case
            made.append(case)
    # Warnings: a few assigned/signed cases two thirds through (yellow) or past their deadline (red).
    now = utcnow()
    open_ones = [c for c in made if c.state in ("assigned", "signed")]
    for case in open_ones[:2]:
        case.warn_at, case.due_at, case.warning = now - timedelta(hours=2), now + timedelta(days=1), "yellow"
    for case in open_ones[2:4]:
        case.warn_at, case.due_at, case.warning = now - timedelta(days=4), now - timedelta(days=1), "red"
    db.session.flush()
    return {"cases": len(made)}


def _walk(case, state, category, case_type, inspector, handler, rng, target):
    fields = {
        "register": {"case_type": case_type, "category": category, "severity": rng.choice(["normal", "serious"])},
        "assign": {"department_id": handler.unit_id},
        "sign": {},
        "answer": {"result": "已核实情况，约谈窗口负责人，当场为企业办结", "measures": "建立一次性告知清单"},
        "verify": {"note": "电话核实属实"},
        "return_visit": {"resolved": True, "satisfaction": rng.choice([5, 5, 4, 3]), "method": "phone"},
        "close": {},
    }
    side = {"not_accepted": ("not_accept", {"reason": "不属于营商环境监督受理范围，已告知拨打12345"}),
            "merged": ("merge", {"into_case_id": target.id if target else None}),
            "handed_over": ("hand_over", {"office": "信访室"}),
            "parked": ("park", {"reason": "涉及历史遗留问题，需市政府专题协调", "review_days": 30})}
    steps = PATH[:REACH.get(state, 0)]
    if state == "handed_over":
        steps = ["register"]
    if state == "parked":
        steps = PATH[:3]
    for action in steps:
        actor = handler if action in ("sign", "answer") else inspector
        service.act(actor, case, action, fields[action], check_version_=False)
        db.session.flush()
    if state in side and (state != "merged" or target is not None):
        action, extra = side[state]
        service.act(inspector, case, action, extra, check_version_=False)
        db.session.flush()
