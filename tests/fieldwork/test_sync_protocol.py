"""The sync protocol: replays, reordering, partial batches, conflicts, photos that wait, scope, tokens."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from jiandu.cases.models import Case
from jiandu.extensions import db
from jiandu.fieldwork import service
from jiandu.fieldwork.models import AnswerSet, Finding, SyncReceipt, Visit, VisitRecord
from jiandu.fieldwork.sync import decode_cursor, encode_cursor, prune
from jiandu.intake.models import Photo, Report
from jiandu.org.models import Jurisdiction, Point
from jiandu.timeutil import utcnow
from tests.fieldwork.conftest import answers_for, new_id, photo_bytes, push, upload, user


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def visit_outbox(template, window, photo) -> list[dict]:
    """What a device queues on one visit: the visit, its record, the checklist answers, one finding."""
    visit_id = new_id()
    answers_id = new_id()
    return [
        {"id": visit_id, "op": "visit.create",
         "body": {"kind": "experience", "point_id": window.id, "template_id": template["id"], "title": "体验办事"}},
        {"id": new_id(), "op": "visit.record",
         "body": {"visit_uuid": visit_id, "latitude": 40.6571, "longitude": 109.8403, "accuracy_m": 12.5,
                  "notes": "排队 40 分钟", "started_at": "2025-03-03T01:00:00Z", "finished_at": "2025-03-03T02:00:00Z",
                  "photos": [photo]}},
        {"id": answers_id, "op": "answers.submit",
         "body": {"visit_uuid": visit_id, "template_id": template["id"], "answers": answers_for(template, photo)}},
        {"id": new_id(), "op": "finding.create",
         "body": {"visit_uuid": visit_id, "category": "buck_passing", "description": "材料第三次被退回，未一次告知",
                  "photos": [photo]}},
    ]


def totals():
    return {m.__name__: count(m) for m in (Visit, VisitRecord, AnswerSet, Finding, Report, Case, Photo, SyncReceipt)}


def test_a_visit_outbox_applies_once_and_a_replay_changes_nothing(inspector, template, window):
    photo = upload(inspector, photo_bytes())
    writes = visit_outbox(template, window, photo)
    before = totals()
    answer = push(inspector, *writes)
    assert [r["status"] for r in answer["results"]] == ["applied"] * 4, answer
    after = totals()
    grew = {name: after[name] - before[name] for name in after}
    assert grew == {"Visit": 1, "VisitRecord": 1, "AnswerSet": 1, "Finding": 1, "Report": 1, "Case": 1, "Photo": 1,
                    "SyncReceipt": 4}
    finding = answer["results"][3]["result"]
    case = db.session.get(Case, finding["case_id"])
    assert case.channel == "field_visit" and case.state == "received" and case.point_id == window.id
    report = db.session.get(Report, finding["report_id"])
    assert report.channel == "field_visit" and len(report.photos) == 1
    visit = db.session.scalar(select(Visit).where(Visit.client_uuid == writes[0]["id"]))
    assert visit.state == "done"
    record = db.session.scalar(select(VisitRecord).where(VisitRecord.visit_id == visit.id))
    assert (record.latitude, record.longitude, record.accuracy_m) == (40.6571, 109.8403, 12.5)

    replay = push(inspector, *writes)
    assert [r["status"] for r in replay["results"]] == ["duplicate"] * 4
    assert [r["result"] for r in replay["results"]] == [r["result"] for r in answer["results"]]
    assert totals() == after


def test_reordered_batch_applies_in_dependency_order(inspector, template, window):
    photo = upload(inspector, photo_bytes())
    writes = visit_outbox(template, window, photo)
    shuffled = list(reversed(writes))
    answer = push(inspector, *shuffled)
    assert {r["status"] for r in answer["results"]} == {"applied"}
    # The same writes again, shuffled once more, in two batches: nothing new.
    before = totals()
    random.Random(7).shuffle(shuffled)
    push(inspector, *shuffled[:2])
    push(inspector, *shuffled[2:])
    assert totals() == before


def test_a_write_whose_visit_has_not_arrived_waits_and_is_retryable(inspector, template, window):
    photo = upload(inspector, photo_bytes())
    writes = visit_outbox(template, window, photo)
    early = push(inspector, writes[3])["results"][0]
    assert early["status"] == "rejected" and early["code"] == "depends_on_missing" and early["retryable"] is True
    assert [r["status"] for r in push(inspector, *writes)["results"]] == ["applied"] * 4


def test_one_bad_write_is_reported_and_the_good_ones_apply(inspector, template, window):
    photo = upload(inspector, photo_bytes())
    writes = visit_outbox(template, window, photo)
    bad_answers = answers_for(template, photo)
    bad_answers[1]["value"] = "不存在的选项"
    bad = {"id": new_id(), "op": "answers.submit",
           "body": {"visit_uuid": writes[0]["id"], "template_id": template["id"], "answers": bad_answers}}
    garbage = {"id": "x", "op": "visit.create", "body": {}}
    unknown = {"id": new_id(), "op": "drop.tables", "body": {}}
    answer = push(inspector, writes[0], bad, writes[1], garbage, unknown, writes[2], writes[3])
    statuses = [r["status"] for r in answer["results"]]
    assert statuses == ["applied", "rejected", "applied", "rejected", "rejected", "applied", "applied"]
    refused = answer["results"][1]
    assert refused["code"] == "invalid" and refused["retryable"] is False
    assert any("选项" in message for message in refused["fields"].values())
    assert answer["results"][4]["code"] == "unknown_op"
    assert answer["counts"] == {"applied": 4, "duplicate": 0, "conflict": 0, "rejected": 3}
    # Fixed, the same write (same UUID: nothing of it was kept) is applied.
    bad["body"]["answers"][1]["value"] = "未使用"
    assert push(inspector, bad)["results"][0]["status"] == "applied"


def test_the_same_write_twice_in_one_batch_applies_once(inspector, window):
    """Receipts of the fast way are inserted together at the end of the batch: a UUID sent twice in
    it still makes one visit and answers the second copy as a duplicate."""
    write = {"id": new_id(), "op": "visit.create", "body": {"kind": "big_visit", "point_id": window.id}}
    answer = push(inspector, write, dict(write))
    assert [r["status"] for r in answer["results"]] == ["applied", "duplicate"]
    assert db.session.scalar(select(func.count()).select_from(Visit).where(Visit.client_uuid == write["id"])) == 1
    assert db.session.scalar(select(func.count()).select_from(SyncReceipt).where(SyncReceipt.key == write["id"])) == 1


def test_same_uuid_with_another_body_is_a_409(inspector, template, window):
    write = {"id": new_id(), "op": "visit.create", "body": {"kind": "big_visit", "point_id": window.id}}
    assert push(inspector, write)["results"][0]["status"] == "applied"
    changed = {**write, "body": {"kind": "rectification", "point_id": window.id}}
    result = push(inspector, changed)["results"][0]
    assert result["status"] == "rejected" and result["code"] == "idempotency_conflict" and result["http_status"] == 409
    assert db.session.scalar(select(func.count()).select_from(Visit).where(Visit.client_uuid == write["id"])) == 1


def test_another_user_cannot_reuse_a_uuid(as_user, inspector, window):
    write = {"id": new_id(), "op": "visit.create", "body": {"kind": "big_visit", "point_id": window.id}}
    assert push(inspector, write)["results"][0]["status"] == "applied"
    other = as_user("admin")
    result = push(other, write)["results"][0]
    assert result["status"] == "rejected" and result["code"] == "idempotency_conflict"


def test_a_case_edit_on_an_old_version_is_a_conflict(inspector, template, window):
    photo = upload(inspector, photo_bytes())
    writes = visit_outbox(template, window, photo)
    case_id = push(inspector, *writes)["results"][3]["result"]["case_id"]
    case = db.session.get(Case, case_id)
    version = case.version
    first = {"id": new_id(), "op": "case.act",
             "body": {"case_id": case_id, "action": "register", "version": version,
                      "fields": {"case_type": "work_style", "category": "buck_passing"}}}
    stale = {"id": new_id(), "op": "case.act",
             "body": {"case_id": case_id, "action": "not_accept", "version": version,
                      "fields": {"reason": "重复反映"}}}
    answer = push(inspector, first, stale)
    assert answer["results"][0]["status"] == "applied"
    conflict = answer["results"][1]
    assert conflict["status"] == "conflict" and conflict["code"] == "stale_version"
    assert conflict["current"]["version"] == answer["results"][0]["result"]["version"]
    assert conflict["current"]["state"] == "registered"
    # Settled by the user: a new write on the current version.
    settled = {"id": new_id(), "op": "case.act",
               "body": {"case_id": case_id, "action": "not_accept", "version": conflict["current"]["version"],
                        "fields": {"reason": "重复反映"}}}
    assert push(inspector, settled)["results"][0]["status"] == "applied"
    assert db.session.get(Case, case_id).state == "not_accepted"


def test_a_write_needing_a_photo_waits_for_it(inspector, template, window):
    data = photo_bytes()
    uid = new_id()
    half = len(data) // 2
    inspector.put(f"/api/v1/uploads/{uid}", data=data[:half],
                  headers={"Content-Range": f"bytes 0-{half - 1}/{len(data)}"})
    writes = visit_outbox(template, window, uid)
    answer = push(inspector, *writes)
    statuses = [r["status"] for r in answer["results"]]
    assert statuses == ["applied", "rejected", "rejected", "rejected"]
    assert all(r["code"] == "photo_missing" and r["retryable"] and r["photos"] == [uid] for r in answer["results"][1:])
    inspector.put(f"/api/v1/uploads/{uid}", data=data[half:],
                  headers={"Content-Range": f"bytes {half}-{len(data) - 1}/{len(data)}"})
    again = push(inspector, *writes)
    assert [r["status"] for r in again["results"]] == ["duplicate", "applied", "applied", "applied"]


def test_a_photo_that_is_not_one_is_rejected_with_its_reason(inspector, template, window):
    uid = upload(inspector, b"GIF89a this is not a photo at all" * 10)
    status = inspector.get(f"/api/v1/uploads/{uid}").get_json()
    assert status["state"] == "rejected" and status["reason"]
    writes = visit_outbox(template, window, uid)
    answer = push(inspector, *writes)
    assert answer["results"][1]["status"] == "rejected" and answer["results"][1]["retryable"] is False
    assert "照片" in answer["results"][1]["fields"]["photos"]


def test_scope_outside_the_user_is_refused(as_user, template):
    county = as_user("county-inspector")
    outside = db.session.scalar(select(Point).join(Jurisdiction, Point.jurisdiction_id == Jurisdiction.id)
                                .where(Jurisdiction.name == "青山区", Point.active))
    result = push(county, {"id": new_id(), "op": "visit.create",
                           "body": {"kind": "big_visit", "point_id": outside.id}})["results"][0]
    assert result["status"] == "rejected" and result["code"] == "not_found"


def test_handlers_cannot_make_visits(as_user, window):
    handler = as_user("handler")
    result = push(handler, {"id": new_id(), "op": "visit.create",
                            "body": {"kind": "big_visit", "point_id": window.id}})["results"][0]
    assert result["status"] == "rejected" and result["code"] == "forbidden"


def test_batch_shape_is_checked(inspector):
    assert inspector.post("/api/v1/sync/push", json={"writes": []}).status_code == 422
    assert inspector.post("/api/v1/sync/push", json={"writes": [{}] * 501}).status_code == 422
    assert inspector.post("/api/v1/sync/push", data="nope", content_type="application/json").status_code == 422


def test_signed_out_and_revoked_devices_cannot_sync(client, as_user, window):
    assert client.post("/api/v1/sync/push", json={"writes": []}).status_code == 401
    inspector = as_user("inspector")
    issued = client.http.post("/api/v1/auth/token", json={"username": "inspector", "password": "jiandu-demo",
                                                          "name": "phone"})
    assert issued.status_code == 201, issued.get_json()
    plain, token_id = issued.get_json()["token"], issued.get_json()["id"]
    bearer = {"Authorization": f"Bearer {plain}"}
    write = {"id": new_id(), "op": "visit.create", "body": {"kind": "big_visit", "point_id": window.id}}
    ok = client.http.post("/api/v1/sync/push", json={"writes": [write]}, headers=bearer)
    assert ok.status_code == 200 and ok.get_json()["results"][0]["status"] == "applied"
    assert inspector.delete(f"/api/v1/auth/tokens/{token_id}").status_code in (200, 204)
    refused = client.http.post("/api/v1/sync/push", json={"writes": [write]}, headers=bearer)
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "invalid_token"
    assert "撤销" in refused.get_json()["error"]["message"]


def test_pull_gives_what_the_device_needs_then_only_changes(inspector, template, window, make_case_at):
    planned = inspector.post("/api/v1/visits", json={"kind": "big_visit", "point_id": window.id,
                                                     "template_id": template["id"], "planned_for": "2030-01-02"})
    assert planned.status_code == 201, planned.get_json()
    open_case = make_case_at(window)
    full = inspector.get("/api/v1/sync/pull").get_json()
    assert full["full"] is True
    assert planned.get_json()["id"] in [v["id"] for v in full["visits"]]
    assert template["id"] in [t["id"] for t in full["templates"]]
    assert window.id in [p["id"] for p in full["points"]]
    assert open_case.id in [c["id"] for c in full["cases"]]
    assert {k["code"] for k in full["visit_kinds"]} >= {"big_visit", "experience", "rectification",
                                                          "help_enterprise", "fault_tolerance"}
    # Pretend a minute passes: the next pull (from the cursor) carries only what changed since.
    later = encode_cursor(decode_cursor(full["cursor"]) + timedelta(minutes=1))
    quiet = inspector.get("/api/v1/sync/pull", query_string={"since": later}).get_json()
    assert quiet["visits"] == [] and quiet["cases"] == [] and quiet["full"] is False
    assert inspector.get("/api/v1/sync/pull", query_string={"since": "@@@"}).status_code == 422


def test_receipts_are_kept_at_least_30_days(inspector, window):
    write = {"id": new_id(), "op": "visit.create", "body": {"kind": "big_visit", "point_id": window.id}}
    push(inspector, write)
    row = db.session.scalar(select(SyncReceipt).where(SyncReceipt.key == write["id"]))
    row.created_at = utcnow() - timedelta(days=29)
    db.session.commit()
    prune(days=1)  # asks for less than the floor: the floor wins
    assert db.session.scalar(select(SyncReceipt).where(SyncReceipt.key == write["id"])) is not None
    assert push(inspector, write)["results"][0]["status"] == "duplicate"


def test_a_row_already_there_without_its_receipt_is_refused_and_the_rest_applies(inspector, window):
    """The fast path (no savepoint for appends) meets a database error: the batch is redone carefully."""
    taken = new_id()
    service.create_visit(user("inspector"), {"kind": "big_visit", "point_id": window.id}, client_uuid=taken)
    db.session.commit()
    good = {"id": new_id(), "op": "visit.create", "body": {"kind": "big_visit", "point_id": window.id}}
    clash = {"id": taken, "op": "visit.create", "body": {"kind": "big_visit", "point_id": window.id}}
    answer = push(inspector, good, clash)
    assert [r["status"] for r in answer["results"]] == ["applied", "rejected"]
    assert answer["results"][1]["code"] == "duplicate_record"
    assert db.session.scalar(select(func.count()).select_from(Visit).where(Visit.client_uuid == good["id"])) == 1
