"""Resumable uploads have limits: per user, how many unfinished photos and how many bytes they add up
to, by role; photos used by a write free their room; abandoned uploads are cleaned up on schedule."""
from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone

import time_machine
from sqlalchemy import select

from jiandu.extensions import db
from jiandu.files import upload_quota
from jiandu.files.models import FieldPhoto
from jiandu.files.upload_cleanup import remove_abandoned_job
from jiandu.scheduler import _resolve, schedule
from tests.fieldwork.conftest import new_id, photo_bytes, push, upload, user

PIECE = b"\xff\xd8" + b"x" * 1022  # the first KB of a photo whose rest has not come yet


def start_upload(api, total: int = 4096, uid: str | None = None):
    uid = uid or new_id()
    return uid, api.put(f"/api/v1/uploads/{uid}", data=PIECE,
                        headers={"Content-Range": f"bytes 0-{len(PIECE) - 1}/{total}"})


def rows_of(username: str) -> list[FieldPhoto]:
    return db.session.scalars(select(FieldPhoto).where(FieldPhoto.owner_id == user(username).id)).all()


def test_an_enterprise_holds_at_most_six_unfinished_photos_and_may_finish_them(as_user):
    enterprise = as_user("enterprise")  # blockers: at most 3 photos each, sent through the same outbox
    opened = [start_upload(enterprise) for _ in range(6)]
    assert all(answer.status_code == 200 for _uid, answer in opened)
    uid, refused = start_upload(enterprise)
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "upload_quota_open" and "6 张" in error["message"] and "uuid" in error["fields"]
    assert enterprise.http.head(f"/api/v1/uploads/{uid}").status_code == 404  # nothing of it was kept
    assert len(rows_of("enterprise")) == 6
    first = opened[0][0]  # going on with an upload already open is never refused
    rest = b"y" * (4096 - len(PIECE))
    going_on = enterprise.put(f"/api/v1/uploads/{first}", data=rest,
                              headers={"Content-Range": f"bytes {len(PIECE)}-4095/4096"})
    assert going_on.status_code == 200 and going_on.get_json()["received"] == 4096


def test_the_bytes_a_user_holds_unfinished_are_bounded(app, inspector, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_QUOTAS", "inspector=40/1")  # 1 MB
    assert start_upload(inspector, total=600 * 1024)[1].status_code == 200
    _uid, refused = start_upload(inspector, total=600 * 1024)
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert error["code"] == "upload_quota_bytes" and "1 MB" in error["message"]
    assert error["fields"]["size"] == "未完成的上传合计不能超过 1 MB"
    assert start_upload(inspector, total=300 * 1024)[1].status_code == 200  # what still fits, fits


def test_a_role_left_out_of_the_quotas_may_not_upload(app, as_user, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_QUOTAS", "admin=40/200,inspector=40/200,handler=20/100")
    _uid, refused = start_upload(as_user("enterprise"))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "upload_forbidden"
    assert rows_of("enterprise") == []


def test_photos_used_by_a_write_free_their_room(app, inspector, window, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_QUOTAS", "inspector=2/200")
    photos = [upload(inspector, photo_bytes()), upload(inspector, photo_bytes(color=(200, 10, 10)))]
    assert start_upload(inspector)[1].status_code == 429
    visit = new_id()
    answer = push(inspector,
                  {"id": visit, "op": "visit.create", "body": {"kind": "experience", "point_id": window.id,
                                                               "title": "体验办事"}},
                  {"id": new_id(), "op": "visit.record", "body": {"visit_uuid": visit, "notes": "排队 40 分钟",
                                                                  "photos": photos}})
    assert [r["status"] for r in answer["results"]] == ["applied", "applied"], answer
    assert start_upload(inspector)[1].status_code == 200


def test_new_uploads_racing_past_the_first_check_are_counted_in_turn(app, inspector, monkeypatch, _uploads):
    """Two requests that both passed the look before their bodies: the one recorded second is refused
    in its own transaction, and its bytes go."""
    monkeypatch.setitem(app.config, "UPLOAD_QUOTAS", "inspector=1/200")
    assert start_upload(inspector)[1].status_code == 200
    # As if this request's first look came before the other's row was written.
    monkeypatch.setattr(upload_quota, "may_open", lambda who, size: upload_quota.quota_of(who.role))
    uid, refused = start_upload(inspector)
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "upload_quota_open"
    assert len(rows_of("inspector")) == 1
    assert not list((_uploads / "partial").glob(f"*{uid}.part"))


# --- the clean-up --------------------------------------------------------------------------------------

def test_the_scheduler_cleans_up_uploads(app):
    items = {s.name: s for s in schedule(app.config)}
    cleanup = items["upload-cleanup"]
    assert _resolve(cleanup.func) is remove_abandoned_job and cleanup.interval <= 6 * 3600


def test_abandoned_uploads_are_removed_a_week_later_and_their_owner_may_start_again(
        app, as_user, inspector, window, monkeypatch, _uploads):
    monkeypatch.setitem(app.config, "UPLOAD_QUOTAS", "inspector=3/200")
    cut_off, _ = start_upload(inspector)                          # the phone went away mid-photo
    unused = upload(inspector, photo_bytes())                      # arrived, never used by a write
    used = upload(inspector, photo_bytes(color=(10, 200, 10)))     # used by a visit: kept for good
    visit = new_id()
    push(inspector, {"id": visit, "op": "visit.create", "body": {"kind": "experience", "point_id": window.id,
                                                                 "title": "体验办事"}},
         {"id": new_id(), "op": "visit.record", "body": {"visit_uuid": visit, "photos": [used]}})
    orphan = _uploads / "partial" / f"{user('inspector').id}-{new_id()}.part"  # bytes whose row never came
    orphan.write_bytes(PIECE)
    os.utime(orphan, (time.time(), time.time()))  # on the tests' clock
    parts = {uid: next((_uploads / "partial").glob(f"*{uid}.part")) for uid in (cut_off, unused)}

    assert remove_abandoned_job() == {"uploads": 0, "orphans": 0}  # nothing is abandoned yet
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=6), tick=True):
        assert remove_abandoned_job() == {"uploads": 0, "orphans": 0}
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=8), tick=True):
        fresh, started = start_upload(as_user("inspector"))        # begun today: not abandoned
        assert started.status_code == 200
        assert remove_abandoned_job() == {"uploads": 2, "orphans": 1}

    states = {row.uuid: row.state for row in rows_of("inspector")}
    assert states == {used: "clean", fresh: "receiving"}
    assert not orphan.exists() and not any(path.exists() for path in parts.values())
    assert inspector.http.head(f"/api/v1/uploads/{cut_off}").status_code == 404  # the phone sends it again
    assert inspector.get(f"/api/v1/uploads/{used}/content").status_code == 200
    assert start_upload(inspector, uid=unused)[1].status_code == 200  # room again, under the same uuid
