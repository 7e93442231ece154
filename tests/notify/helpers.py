"""Small helpers shared by notify's tests."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from jiandu.extensions import db
from jiandu.org.models import Point, User


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def window_of(username: str = "handler") -> Point:
    """A window of the department the given handler belongs to."""
    handler = user(username)
    return db.session.scalar(select(Point).where(Point.department_id == handler.unit_id, Point.type == "window",
                                                 Point.active.is_(True)).order_by(Point.id))


def new_case(summary: str = "窗口办事推诿，材料反复退回", username: str = "handler"):
    """A case in state received at a window of the handler's department, committed."""
    from jiandu.cases.service import open_case

    point = window_of(username)
    case = open_case(channel="window_code", summary=summary, jurisdiction_id=point.jurisdiction_id,
                     point_id=point.id)
    db.session.commit()
    return case


def move(api, case_id: int, action: str, expect: int = 200, **fields) -> dict:
    version = api.get(f"/api/v1/cases/{case_id}").get_json()["version"]
    response = api.post(f"/api/v1/cases/{case_id}/actions/{action}", json={"version": version, **fields})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def register_and_assign(inspector, case_id: int, department_id: int) -> dict:
    move(inspector, case_id, "register", case_type="service_request", category="办事效率", severity="normal")
    return move(inspector, case_id, "assign", department_id=department_id)


def subscribe(api, device, base_url: str, label: str | None = None):
    body = device.subscription(base_url)
    if label:
        body["label"] = label
    return api.post("/api/v1/push/subscriptions", json=body,
                    headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131"})


def citizen_report(http, point, lang: str = "zh") -> dict:
    """A citizen's report through the public API: {"report_id", "case_id", "tracking_token", …}."""
    response = http.post("/api/v1/reports", json={"point_code": point.code, "kind": "report", "category": "attitude",
                                                  "description": "窗口工作人员态度生硬，让我改天再来", "lang": lang},
                         headers={"Idempotency-Key": uuid.uuid4().hex})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def assert_same_slots_not_repeated(app, first_tick_at: float, enqueued) -> None:
    """A later tick may enqueue a job only if that job's time slot changed since the first tick."""
    import time

    from jiandu.scheduler import schedule

    now = time.time()
    intervals = {s.name: s.interval for s in schedule(app.config)}
    for job in enqueued:
        interval = intervals[job.name]
        assert int(first_tick_at // interval) != int(now // interval), f"{job.name} enqueued twice in one slot"
