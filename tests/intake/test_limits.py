"""Abuse: rate limits per device, per point and per address (real Redis), and no lost report without Redis."""
import re
import socket

import pytest
from limits.storage import RedisStorage
from redis.commands.core import Script
from sqlalchemy import func, select

from jiandu import create_app
from jiandu.config import Config
from jiandu.extensions import db, limiter
from jiandu.intake.limits import _app_counts
from jiandu.intake.models import Report
from jiandu.org.models import Point
from jiandu.proxies import TrustedProxies
from tests.conftest import TMP, build_world, test_config
from tests.intake.conftest import key, new_device


@pytest.fixture
def tight(app, monkeypatch):
    def set_limits(**limits):
        for name, value in limits.items():
            monkeypatch.setitem(app.config, name, value)
    return set_limits


def test_the_limiter_uses_the_real_redis(app):
    assert type(limiter._storage).__name__.lower().startswith("redis")


def report(submit, point, headers=None, **fields):
    """A report (complaint) with the fewest words the rules take, unless told otherwise."""
    return submit(point, headers=headers, **{"kind": "report", "category": "attitude",
                                             "description": "工作人员态度很差", **fields})


def test_per_device_limit_with_a_friendly_message(anon, submit, window, tight):
    tight(INTAKE_DEVICE_LIMIT="2 per minute")
    device = new_device(anon, window)
    for _ in range(2):
        assert report(submit, window, headers=device).status_code == 201
    before = db.session.scalar(select(func.count()).select_from(Report))
    response = report(submit, window, headers=device)
    assert response.status_code == 429
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited" and "提交过于频繁" in error["message"] and "秒后再试" in error["message"]
    assert 0 < error["retry_after"] <= 60 and abs(int(response.headers["Retry-After"]) - error["retry_after"]) <= 1
    assert db.session.scalar(select(func.count()).select_from(Report)) == before
    assert report(submit, window, headers=new_device(anon, window)).status_code == 201


def test_a_device_the_server_did_not_issue_is_no_device(submit, window, tight):
    """A made-up X-Jiandu-Device per request used to be a fresh budget each time: now it is the address's."""
    tight(INTAKE_DEVICE_LIMIT="2 per minute")
    statuses = [report(submit, window, headers={"X-Jiandu-Device": f"made-up-device-{n:08d}"}).status_code
                for n in range(3)]
    assert statuses == [201, 201, 429]


def test_a_forged_forwarded_for_does_not_escape_the_address_limit(app, submit, window, tight, monkeypatch):
    """With the default configuration (no proxy: TRUSTED_PROXY_HOPS=0) X-Forwarded-For is only the client's word."""
    defaults = Config()
    assert defaults.TRUSTED_PROXY_HOPS == 0
    monkeypatch.setattr(app, "wsgi_app", TrustedProxies(app.wsgi_app.app, defaults.TRUSTED_PROXY_HOPS,
                                                        defaults.TRUSTED_PROXY_ADDRESSES))
    tight(INTAKE_ADDRESS_LIMIT="3 per minute")
    statuses = [report(submit, window, headers={"X-Forwarded-For": f"203.0.113.{n}"}, description="短").status_code
                for n in range(4)]
    assert statuses == [422, 422, 422, 429]


def test_forwarded_for_is_believed_only_from_the_configured_proxy(app, anon, submit, window, tight, monkeypatch):
    tight(INTAKE_ADDRESS_LIMIT="1 per minute")
    monkeypatch.setattr(app, "wsgi_app", TrustedProxies(app.wsgi_app.app, 1, "127.0.0.1/32"))
    # From the proxy (the test client's peer is 127.0.0.1): each citizen behind it is counted on their own.
    for n in range(3):
        assert report(submit, window, headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code == 201
    # From elsewhere (around the proxy): the header is the client's word, the peer is who is counted.
    anon.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    statuses = [report(submit, window, headers={"X-Forwarded-For": f"198.51.100.{n + 10}"}).status_code
                for n in range(2)]
    assert statuses == [201, 429]


def test_replays_and_refusals_do_not_count(anon, submit, window, tight):
    tight(INTAKE_DEVICE_LIMIT="2 per minute")
    device = new_device(anon, window)
    k = key()
    for _ in range(4):
        assert report(submit, window, headers={**device, "Idempotency-Key": k}).status_code == 201
    for _ in range(3):
        assert report(submit, window, headers=device, description="短").status_code == 422
    assert report(submit, window, headers=device).status_code == 201
    assert report(submit, window, headers=device).status_code == 429


def test_per_point_limit_across_devices(anon, submit, window, tight):
    tight(INTAKE_POINT_LIMIT="3 per minute")
    for _ in range(3):
        assert report(submit, window, headers=new_device(anon, window)).status_code == 201
    device = new_device(anon, window)
    assert report(submit, window, headers=device).status_code == 429
    other = db.session.scalar(select(Point).where(Point.type == "window", Point.id != window.id))
    assert report(submit, other, headers=device).status_code == 201


def test_per_address_limit_counts_every_attempt(submit, window, tight):
    tight(INTAKE_ADDRESS_LIMIT="3 per minute")
    for _ in range(3):
        assert report(submit, window, description="短").status_code == 422
    assert report(submit, window).status_code == 429


def test_the_form_and_the_api_share_the_device_counter(anon, submit, window, tight):
    tight(INTAKE_DEVICE_LIMIT="1 per minute")
    anon.get(f"/q/{window.code}")  # the landing page gives this browser its device
    device = {"X-Jiandu-Device": anon.get_cookie("jd_device").value}
    form = {"kind": "report", "category": "attitude", "description": "工作人员态度很差"}
    assert anon.post(f"/q/{window.code}", data={**form, "idem": key()}).status_code == 303
    response = anon.post(f"/q/{window.code}", data={**form, "idem": key()})
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "提交过于频繁" in html and "秒后再试" in html and "不会丢失" in html
    assert response.mimetype == "text/html" and "Retry-After" in response.headers
    anon.delete_cookie("jd_device", domain="localhost")
    assert report(submit, window, headers=device).status_code == 429


def test_landing_page_reads_are_not_limited_by_the_submission_limits(anon, window, tight):
    tight(INTAKE_DEVICE_LIMIT="1 per minute", INTAKE_ADDRESS_LIMIT="1 per minute", INTAKE_POINT_LIMIT="1 per minute")
    for _ in range(3):
        assert anon.get(f"/q/{window.code}").status_code == 200


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_without_redis(app):
    """A second app whose Redis is a closed port (its own database, committed for real)."""
    port = _closed_port()
    other = create_app(test_config(database_url=f"sqlite:///{TMP}/no-redis.sqlite3",
                                   REDIS_URL=f"redis://127.0.0.1:{port}/0",
                                   UPLOAD_DIR=str(TMP / "no-redis-uploads")))
    build_world(other)
    try:
        yield other
    finally:
        # The limiter is one object: give it back to the session's app and its real Redis.
        limiter.init_app(app)


def test_no_report_is_lost_when_redis_is_down(app_without_redis):
    client = app_without_redis.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "localhost"})
    with app_without_redis.app_context():
        point = db.session.scalar(select(Point).where(Point.type == "window"))
        code = point.code
    response = client.post("/api/v1/reports", headers={"Idempotency-Key": key()}, json={
        "point_code": code, "kind": "report", "category": "attitude", "description": "Redis 不在时提交的反映"})
    assert response.status_code == 201, response.get_json()
    token = re.search(r'name="rating_token" value="([^"]+)"', client.get(f"/q/{code}").get_data(as_text=True))
    form = client.post(f"/q/{code}", data={"kind": "rating", "rating": "5", "reasons": ["rude"], "idem": key(),
                                           "rating_token": token.group(1)})
    assert form.status_code == 303
    assert client.get(f"/q/{code}").status_code == 200
    with app_without_redis.app_context():
        reports = db.session.scalars(select(Report).order_by(Report.id)).all()
        assert [r.description for r in reports][:1] == ["Redis 不在时提交的反映"] and len(reports) == 2
        assert all(r.case_id for r in reports)


# --- the three limits in one round trip ---------------------------------------------------------------

@pytest.fixture
def round_trips(monkeypatch):
    """Counts the Redis round trips of the limiter: its scripts, and single calls of the plain storage."""
    seen = []
    run = Script.__call__

    def counted(script, keys=None, args=None, client=None):
        seen.append(("script", len(keys or [])))
        return run(script, keys, args, client)

    monkeypatch.setattr(Script, "__call__", counted)
    for name in ("incr", "get", "get_expiry"):
        single = getattr(RedisStorage, name)
        monkeypatch.setattr(RedisStorage, name, lambda self, *a, _single=single, _name=name, **k: (
            seen.append(("single", _name)), _single(self, *a, **k))[1])
    return seen


def test_a_stored_submission_costs_one_round_trip(anon, submit, window, round_trips):
    device = new_device(anon, window)
    round_trips.clear()
    response = report(submit, window, headers=device)
    assert response.status_code == 201
    assert round_trips == [("script", 3)]  # device, point, address: one round trip


def test_a_submission_that_does_not_count_gives_its_reservations_back(anon, submit, window, tight, round_trips):
    tight(INTAKE_DEVICE_LIMIT="1 per minute", INTAKE_POINT_LIMIT="1000 per minute")
    device = new_device(anon, window)
    round_trips.clear()
    for _ in range(3):  # refused forms: each reserves, then gives back (a second round trip)
        assert report(submit, window, headers=device, description="短").status_code == 422
    assert round_trips == [("script", 3), ("script", 2)] * 3  # and device and point given back
    assert report(submit, window, headers=device).status_code == 201
    assert report(submit, window, headers=device).status_code == 429


def test_limits_survive_redis_forgetting_its_scripts(anon, submit, window, tight):
    tight(INTAKE_DEVICE_LIMIT="2 per minute")
    device = new_device(anon, window)
    assert report(submit, window, headers=device).status_code == 201
    limiter.storage.get_connection().script_flush()  # as after a restart of Redis
    assert report(submit, window, headers=device).status_code == 201
    assert report(submit, window, headers=device).status_code == 429


def test_a_count_given_back_after_its_window_ended_leaves_no_counter(app):
    name = f"test-give-back-{key()}"
    with app.test_request_context("/"):
        counts = _app_counts().redis
        counts.give_back([name])  # its window ended before the request did: the key is gone
    assert counts.storage.get_connection().exists(counts.storage.prefixed_key(name)) == 0


def test_limits_count_in_memory_while_redis_is_away(app_without_redis):
    app_without_redis.config["INTAKE_DEVICE_LIMIT"] = "2 per minute"
    client = app_without_redis.test_client()
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "localhost"})
    with app_without_redis.app_context():
        code = db.session.scalar(select(Point.code).where(Point.type == "window"))
    device = {"X-Jiandu-Device": client.post("/api/v1/rating-tokens", json={"point_code": code}).get_json()["device"]}
    statuses = [client.post("/api/v1/reports", headers={**device, "Idempotency-Key": key()},
                            json={"point_code": code, "kind": "report", "category": "attitude",
                                  "description": "工作人员态度很差"}).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
