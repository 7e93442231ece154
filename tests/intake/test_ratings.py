"""Ratings (好差评) cannot be stuffed: a token per rating from the landing page, budgets of their own that never
touch a complaint's, a few per device and window a day, late ones from the outbox counted, and the figures
flag a window whose ratings look stuffed."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.intake.models import Report
from jiandu.org.models import Point
from tests.intake.conftest import key, new_device, page_rating_token, rating_token


@pytest.fixture
def tight(app, monkeypatch):
    def set_limits(**limits):
        for name, value in limits.items():
            monkeypatch.setitem(app.config, name, value)
    return set_limits


def quiet_windows(n: int) -> list[Point]:
    """Windows without any rating yet (the demo city has some), so that their figures are this test's."""
    rated = select(Report.point_id).where(Report.kind == "rating")
    return list(db.session.scalars(select(Point).where(Point.type == "window", Point.active, Point.id.not_in(rated))
                                   .order_by(Point.id).limit(n)))


def ratings() -> int:
    return db.session.scalar(select(func.count()).select_from(Report).where(Report.kind == "rating"))


def rate(submit, point, headers=None, **fields):
    return submit(point, headers=headers, kind="rating", **{"rating": 1, **fields})


def complain(submit, point, headers=None):
    return submit(point, headers=headers, kind="report", category="efficiency", description="窗口办理超时，让明天再来")


def test_ratings_never_use_up_what_a_complaint_needs(submit, window, tight):
    tight(INTAKE_POINT_LIMIT="5 per minute", INTAKE_ADDRESS_LIMIT="5 per minute",
          INTAKE_RATING_POINT_LIMIT="5 per minute", INTAKE_RATING_ADDRESS_LIMIT="5 per minute")
    statuses = [rate(submit, window).status_code for _ in range(6)]
    assert statuses == [201] * 5 + [429]  # the flood of ratings is stopped …
    response = complain(submit, window)  # … and a complaint from the same address at that window still goes in
    assert response.status_code == 201, response.get_json()


def test_one_device_rates_a_window_only_a_few_times(anon, submit, window):
    device = new_device(anon, window)
    assert [rate(submit, window, headers=device).status_code for _ in range(3)] == [201, 201, 429]
    other = db.session.scalar(select(Point).where(Point.type == "window", Point.active, Point.id != window.id)
                              .order_by(Point.id))
    assert rate(submit, other, headers=device).status_code == 201
    assert complain(submit, window, headers=device).status_code == 201


def test_a_rating_needs_a_token_the_server_gave_for_that_point(anon, submit, window):
    before = ratings()
    missing = submit(window, kind="rating", rating=2, rating_token="")
    assert missing.status_code == 422 and "评价凭证" in missing.get_json()["error"]["fields"]["rating_token"]
    real = rating_token(anon, window)["rating_token"]
    forged = real.rsplit(".", 1)[0] + ".AAAAAAAAAAAAAAAAAAAAAA"
    other = db.session.scalar(select(Point).where(Point.type == "window", Point.active, Point.id != window.id))
    for token in (forged, "r1.X.y.1.z.w", rating_token(anon, other)["rating_token"]):
        response = submit(window, kind="rating", rating=2, rating_token=token)
        assert response.status_code == 422 and "无效" in response.get_json()["error"]["fields"]["rating_token"]
    assert ratings() == before
    stored = submit(window, kind="rating", rating=2, rating_token=page_rating_token(anon, window))
    assert stored.status_code == 201, stored.get_json()
    row = db.session.get(Report, stored.get_json()["report_id"])
    assert row.rating_nonce and len(row.device_digest) == 32
    assert anon.get_cookie("jd_device").value.split(".")[0] not in row.device_digest  # a keyed digest, not the id


def test_a_rating_token_rates_once(anon, submit, window):
    token, first_key = rating_token(anon, window)["rating_token"], key()
    first = submit(window, headers={"Idempotency-Key": first_key}, kind="rating", rating=1, rating_token=token)
    assert first.status_code == 201
    before = ratings()
    again = submit(window, kind="rating", rating=1, rating_token=token)  # a new key: a second rating
    assert again.status_code == 422 and "已使用" in again.get_json()["error"]["fields"]["rating_token"]
    resend = submit(window, headers={"Idempotency-Key": first_key}, kind="rating", rating=1, rating_token=token)
    assert resend.status_code == 201 and resend.get_json() == first.get_json()  # the same one, resent: its answer
    assert ratings() == before


def later(**delta):
    return time_machine.travel(datetime.now(timezone.utc) + timedelta(**delta), tick=True)


def test_a_rating_sent_late_from_the_outbox_is_taken_and_counted_against_its_device(anon, submit, tight):
    tight(INTAKE_RATING_LATE_LIMIT="2 per day")
    device = new_device(anon, quiet_windows(1)[0])
    places = quiet_windows(4)
    tokens = [rating_token(anon, point, device)["rating_token"] for point in places[:3]]  # on the phone, offline
    with later(hours=2):  # past the token's fresh quarter of an hour, well within its week of grace
        statuses = [rate(submit, point, headers=device, rating_token=token).status_code
                    for point, token in zip(places, tokens)]
        assert statuses == [201, 201, 429]  # the device's late budget
        assert rate(submit, places[3], headers=device).status_code == 201  # a fresh token is not late


def test_a_token_past_its_grace_is_refused_with_its_reason(anon, submit, window):
    token = rating_token(anon, window)["rating_token"]
    with later(days=8):
        response = submit(window, kind="rating", rating=5, reasons=["rude"], rating_token=token)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"rating_token": "评价凭证已过期，请刷新页面后重新评价"}


def test_a_window_stuffed_with_ratings_is_flagged_in_the_figures(anon, submit, staff, tight):
    tight(RATING_BURST_PER_HOUR=12, INTAKE_RATING_TOKEN_LIMIT="1000 per minute",
          INTAKE_RATING_DEVICE_LIMIT="1000 per day", INTAKE_RATING_ADDRESS_POINT_LIMIT="1000 per day",
          INTAKE_RATING_POINT_LIMIT="1000 per minute", INTAKE_RATING_ADDRESS_LIMIT="1000 per minute")
    burst, few, honest = quiet_windows(3)
    for _ in range(25):  # a burst in a few seconds (13 or more of them in one clock hour, whenever it runs)
        assert rate(submit, burst).status_code == 201
    phones = [new_device(anon, few) for _ in range(2)]
    for n in range(12):  # few devices: twelve ratings from two phones
        assert rate(submit, few, headers=phones[n % 2], rating=5, reasons=["rude"]).status_code == 201
    for level in (1, 2, 4):
        assert rate(submit, honest, rating=level, reasons=["rude"] if level == 4 else []).status_code == 201

    response = staff("inspector").get("/api/v1/ratings/figures?per_page=200")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    found = {item["point"]["id"]: item for item in body["items"]}
    assert found[burst.id]["flagged"] and {f["code"] for f in found[burst.id]["flags"]} == {"burst"}
    assert "一小时内收到" in found[burst.id]["flags"][0]["message"]
    assert found[few.id]["flagged"] and [f["code"] for f in found[few.id]["flags"]] == ["few_devices"]
    assert "12 条评价只来自 2 台设备" in found[few.id]["flags"][0]["message"]
    assert (found[few.id]["ratings"], found[few.id]["bad"], found[few.id]["devices"]) == (12, 12, 2)
    assert found[honest.id]["flagged"] is False and found[honest.id]["flags"] == []
    assert found[honest.id]["levels"] == {"1": 1, "2": 1, "3": 0, "4": 1, "5": 0}
    assert (found[honest.id]["good"], found[honest.id]["bad"]) == (2, 1)
    flags = [item["flagged"] for item in body["items"]]
    assert flags == sorted(flags, reverse=True)  # flagged points first
    assert body["thresholds"]["burst_per_hour"] == 12


def test_the_figures_are_for_inspectors_and_admins(staff, anon):
    assert anon.get("/api/v1/ratings/figures").status_code == 401
    assert staff("handler").get("/api/v1/ratings/figures").status_code == 403
    response = staff("admin").get("/api/v1/ratings/figures?since=2026-03-02&until=2026-03-01")
    assert response.status_code == 422 and "since" in response.get_json()["error"]["fields"]
