"""POST /api/v1/reports: every rule of a submission, through the API."""
import base64
import io
import json

import pytest
from sqlalchemy import event, func, select

from jiandu.cases.models import Case, CaseEvent
from jiandu.extensions import db
from jiandu.intake import parse, store
from jiandu.intake.models import IdempotencyKey, Photo, Report, ReportCategory
from jiandu.security import decrypt_contact, token_digest
from tests.intake.conftest import image_bytes, key, new_device, rating_token


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Report, Case, CaseEvent, Photo, IdempotencyKey))


def test_categories_are_data_with_the_defaults(anon):
    response = anon.get("/api/v1/report-categories")
    assert response.status_code == 200
    items = response.get_json()
    names = {item["name"] for item in items}
    assert {"服务态度", "办事效率/超时", "吃拿卡要", "推诿扯皮", "乱收费", "政策不落实", "其他"} <= names
    assert all({"code", "name"} <= set(item) for item in items)
    assert db.session.scalar(select(func.count()).select_from(ReportCategory)) >= 7


def test_rating_reasons_listed_by_polarity(anon):
    items = anon.get("/api/v1/rating-reasons").get_json()
    assert {i["polarity"] for i in items} == {"good", "bad"}
    assert any(i["name"] == "等候太久" and i["polarity"] == "bad" for i in items)


def test_good_rating_is_stored_without_a_case(submit, window):
    before = counts()
    response = submit(window, kind="rating", rating=1, reasons=["warm", "fast"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["case_id"] is None and body["tracking_token"] is None
    report = db.session.get(Report, body["report_id"])
    assert (report.kind, report.rating, report.reason_codes, report.case_id) == ("rating", 1, ["fast", "warm"], None)
    assert report.point_id == window.id and report.department_id == window.department_id
    after = counts()
    assert after[0] == before[0] + 1 and after[1] == before[1]


@pytest.mark.parametrize("rating", [4, 5])
def test_bad_rating_opens_a_case_routed_to_the_point(submit, window, rating):
    response = submit(window, kind="rating", rating=rating, reasons=["long_wait"], description="等了一个小时")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    case = db.session.get(Case, body["case_id"])
    assert case.state == "received" and body["state"] == "received"
    assert case.department_id == window.department_id and case.jurisdiction_id == window.jurisdiction_id
    assert case.point_id == window.id and case.channel == "window_code"
    assert [(e.action, e.to_state) for e in case.events] == [("receive", "received")]
    assert "等候太久" in case.summary
    assert len(body["tracking_token"]) == 16 and body["tracking_code"].count("-") == 3
    report = db.session.get(Report, body["report_id"])
    assert report.tracking_digest == token_digest(body["tracking_token"])


def test_bad_rating_asks_what_went_wrong(submit, window):
    before = counts()
    response = submit(window, kind="rating", rating=4)
    assert response.status_code == 422
    assert "不满意" in response.get_json()["error"]["fields"]["reasons"]
    assert counts() == before


def test_report_opens_a_case_with_category(submit, window):
    response = submit(window, kind="report", category="extortion", description="办证时工作人员暗示要好处费")
    assert response.status_code == 201
    body = response.get_json()
    case = db.session.get(Case, body["case_id"])
    assert (case.category, case.case_type, case.state) == ("extortion", "lead", "received")
    assert case.number == body["case_number"]
    assert response.headers["Location"] == body["tracking_url"]


def test_a_report_is_written_in_four_inserts_and_its_case_reads_back_whole(submit, window):
    """The case takes its number in its own INSERT (no UPDATE after), and its first event with it."""
    statements = []
    engine = db.session.get_bind()
    listener = lambda *args: statements.append(" ".join(args[2].split()[:3:2]))  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        body = submit(window, kind="report", category="attitude", description="窗口工作人员态度很差").get_json()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    writes = [s for s in statements if s.startswith(("INSERT", "UPDATE", "DELETE"))]
    # SQLite gives the case its id and number in one INSERT; with a sequence (PostgreSQL) the number
    # follows in one UPDATE.
    numbering = [] if engine.dialect.name == "sqlite" else ["UPDATE SET"]
    assert writes == ["INSERT cases", *numbering, "INSERT case_events", "INSERT reports",
                      "INSERT intake_idempotency_keys"]
    db.session.expire_all()
    case = db.session.get(Case, body["case_id"])
    assert case.number == f"JD{case.created_at:%Y}{case.id:07d}" == body["case_number"]
    assert [(e.seq, e.action, e.to_state, e.public_note) for e in case.events] == [
        (1, "receive", "received", "您的诉求已受理")]
    assert case.version == 1 and case.updated_at == case.created_at


@pytest.mark.parametrize("fields, field, words", [
    ({"kind": "rating", "rating": 0}, "rating", "满意程度"),
    ({"kind": "rating", "rating": 6}, "rating", "满意程度"),
    ({"kind": "rating", "rating": "很好"}, "rating", "满意程度"),
    ({"kind": "rating", "rating": 2, "reasons": ["rude"]}, "reasons", "不符"),
    ({"kind": "rating", "rating": 5, "reasons": ["nope"]}, "reasons", "不符"),
    ({"kind": "rating", "rating": 2, "description": "好" * 501}, "description", "500"),
    ({"kind": "feedback"}, "kind", "评价服务"),
    ({"kind": "report", "description": "工作人员态度很差"}, "category", "问题类型"),
    ({"kind": "report", "category": "no_such", "description": "工作人员态度很差"}, "category", "不存在"),
    ({"kind": "report", "category": "attitude", "description": "差"}, "description", "至少"),
    ({"kind": "report", "category": "attitude", "description": "  \n  "}, "description", "至少"),
    ({"kind": "report", "category": "attitude", "description": "差" * 1001}, "description", "1000"),
    ({"kind": "report", "category": "attitude", "description": "工作人员态度很差", "anonymous": False},
     "name", "姓名"),
    ({"kind": "report", "category": "attitude", "description": "工作人员态度很差", "anonymous": False,
      "name": "张三", "phone": "12345678901"}, "phone", "11 位"),
    ({"kind": "report", "category": "attitude", "description": "工作人员态度很差", "anonymous": False,
      "name": "张三", "phone": "1380013800"}, "phone", "11 位"),
    ({"kind": "report", "category": "attitude", "description": "工作人员态度很差", "anonymous": False,
      "name": "<b>", "phone": "13800138000"}, "name", "姓名"),
    ({"kind": "report", "category": "attitude", "description": "工作人员态度很差", "anonymous": "maybe"},
     "anonymous", "匿名"),
    ({"kind": "report", "category": "attitude", "description": "工作人员态度很差", "homepage": "http://spam"},
     "_", "拒绝"),
])
def test_every_field_is_checked_and_a_refusal_stores_nothing(submit, window, fields, field, words):
    before = counts()
    response = submit(window, **fields)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert words in error["fields"][field], error
    assert counts() == before


def test_unknown_and_inactive_codes_are_refused(submit, window):
    assert "不存在" in submit(None, kind="rating", rating=1).get_json()["error"]["fields"]["point_code"]
    response = submit(type("P", (), {"code": "ZZZZZZZZZ"})(), kind="rating", rating=1)
    assert response.status_code == 422
    window.active = False
    db.session.commit()
    response = submit(window, kind="rating", rating=1)
    assert response.status_code == 422 and "停用" in response.get_json()["error"]["fields"]["point_code"]


def test_code_is_normalised(submit, window):
    response = submit(type("P", (), {"code": window.code.lower()})(), kind="rating", rating=2)
    assert response.status_code == 201


def test_real_name_contact_is_encrypted_at_rest(submit, window):
    response = submit(window, kind="report", category="attitude", description="窗口人员态度恶劣",
                      anonymous=False, name="王小明", phone="+86 138-0013-8000")
    assert response.status_code == 201, response.get_json()
    report = db.session.get(Report, response.get_json()["report_id"])
    raw = db.session.execute(select(Report.contact_name_enc, Report.contact_phone_enc)
                             .where(Report.id == report.id)).one()
    assert "13800138000" not in "".join(raw) and "王小明" not in "".join(raw)
    assert decrypt_contact(report.contact_phone_enc) == "13800138000"
    assert decrypt_contact(report.contact_name_enc) == "王小明"
    assert report.anonymous is False


def test_anonymous_report_keeps_no_contact_even_when_sent(submit, window):
    response = submit(window, kind="report", category="attitude", description="窗口人员态度恶劣",
                      anonymous=True, name="王小明", phone="13800138000")
    report = db.session.get(Report, response.get_json()["report_id"])
    assert report.contact_name_enc is None and report.contact_phone_enc is None and report.anonymous


def test_idempotency_key_is_required(anon, window):
    response = anon.post("/api/v1/reports", json={"point_code": window.code, "kind": "rating", "rating": 1})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.get_json()["error"]["fields"]["idempotency_key"]


def test_same_key_returns_the_first_result_and_creates_nothing(submit, window):
    k = key()
    first = submit(window, headers={"Idempotency-Key": k}, kind="report", category="efficiency",
                   description="办理超过承诺时限一周")
    before = counts()
    again = submit(window, headers={"Idempotency-Key": k}, kind="report", category="efficiency",
                   description="办理超过承诺时限一周")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert counts() == before


def test_same_key_different_content_is_409(submit, anon, window):
    mine = {**new_device(anon, window), "Idempotency-Key": key()}
    assert submit(window, headers=mine, kind="rating", rating=1).status_code == 201
    before = counts()
    response = submit(window, headers=mine, kind="rating", rating=2)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "idempotency_conflict"
    assert counts() == before


def test_a_refused_submission_does_not_burn_its_key(submit, window):
    k = key()
    assert submit(window, headers={"Idempotency-Key": k}, kind="report", category="attitude",
                  description="短").status_code == 422
    fixed = submit(window, headers={"Idempotency-Key": k}, kind="report", category="attitude",
                   description="工作人员态度很差")
    assert fixed.status_code == 201


def test_multipart_and_json_of_the_same_content_are_the_same_submission(anon, window):
    k, token = key(), rating_token(anon, window)["rating_token"]
    as_json = anon.post("/api/v1/reports", headers={"Idempotency-Key": k}, json={
        "point_code": window.code, "kind": "rating", "rating": 4, "reasons": ["rude", "long_wait"],
        "anonymous": True, "rating_token": token})
    as_form = anon.post("/api/v1/reports", headers={"Idempotency-Key": k}, data={
        "point_code": window.code, "kind": "rating", "rating": "4", "reasons": ["long_wait", "rude"],
        "anonymous": "1", "rating_token": token}, content_type="multipart/form-data")
    assert as_json.status_code == as_form.status_code == 201
    assert as_form.get_json() == as_json.get_json()


def test_a_racing_duplicate_is_answered_with_the_winner(submit, window, monkeypatch):
    """Two requests with one key, both past the first look-up: the unique key makes them one."""
    k = key()
    first = submit(window, headers={"Idempotency-Key": k}, kind="report", category="attitude",
                   description="工作人员态度很差")
    before = counts()
    real_replay = store._replay
    calls = []

    def late_look(key_, digest):
        calls.append(key_)
        return None if len(calls) == 1 else real_replay(key_, digest)

    monkeypatch.setattr(store, "_replay", late_look)
    second = submit(window, headers={"Idempotency-Key": k}, kind="report", category="attitude",
                    description="工作人员态度很差")
    assert second.status_code == 201 and second.get_json() == first.get_json()
    assert len(calls) == 2
    assert counts() == before


def test_stored_answer_does_not_hold_the_token_in_clear(submit, window):
    body = submit(window, kind="report", category="attitude", description="工作人员态度很差").get_json()
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.report_id == body["report_id"]))
    assert body["tracking_token"] not in row.response_enc


def test_photos_as_base64_in_json(submit, window, _uploads):
    photo = base64.b64encode(image_bytes()).decode()
    response = submit(window, kind="report", category="attitude", description="窗口无人值守",
                      photos=["data:image/jpeg;base64," + photo])
    assert response.status_code == 201, response.get_json()
    report = db.session.get(Report, response.get_json()["report_id"])
    assert len(report.photos) == 1 and report.photos[0].content_type == "image/jpeg"
    assert (_uploads / report.photos[0].storage_key).exists()


def test_photos_multipart_limits(anon, window):
    def post(files, kind="report"):
        return anon.post("/api/v1/reports", headers={"Idempotency-Key": key()}, data={
            "point_code": window.code, "kind": kind, "category": "attitude", "description": "窗口无人值守",
            "rating": "2", "photos": files}, content_type="multipart/form-data")

    before = counts()
    four = [(io.BytesIO(image_bytes()), f"p{i}.jpg") for i in range(4)]
    assert "最多" in post(four).get_json()["error"]["fields"]["photos"]
    not_image = [(io.BytesIO(b"%PDF-1.4 not an image"), "a.jpg")]
    assert "无法识别" in post(not_image).get_json()["error"]["fields"]["photos"]
    rating_with_photo = post([(io.BytesIO(image_bytes()), "a.jpg")], kind="rating")
    assert "评价不能附照片" in rating_with_photo.get_json()["error"]["fields"]["photos"]
    assert counts() == before
    ok = post([(io.BytesIO(image_bytes("PNG")), "a.png"), (io.BytesIO(image_bytes("WEBP")), "b.webp")])
    assert ok.status_code == 201 and ok.get_json()["photos"] == 2


def test_too_large_photo_is_refused(anon, window, monkeypatch):
    monkeypatch.setattr(parse, "MAX_PHOTO_BYTES", 1000)
    response = anon.post("/api/v1/reports", headers={"Idempotency-Key": key()}, data={
        "point_code": window.code, "kind": "report", "category": "attitude", "description": "窗口无人值守",
        "photos": [(io.BytesIO(image_bytes(size=(800, 800))), "big.jpg")]}, content_type="multipart/form-data")
    assert response.status_code == 422 and "不能超过" in response.get_json()["error"]["fields"]["photos"]


def test_website_embed_records_registered_origin_only(submit, website):
    ok = submit(website, kind="report", category="other", description="网站办事指南过期",
                origin="http://gov.example.test", page="http://gov.example.test/zwgk/index.html")
    report = db.session.get(Report, ok.get_json()["report_id"])
    assert report.origin_site == "http://gov.example.test"
    assert report.origin_page == "http://gov.example.test/zwgk/index.html"
    assert report.channel == "website"
    other = submit(website, kind="report", category="other", description="网站办事指南过期",
                   origin="https://evil.example", page="https://evil.example/x")
    report = db.session.get(Report, other.get_json()["report_id"])
    assert report.origin_site is None and report.origin_page is None


def test_json_body_must_be_an_object(anon):
    response = anon.post("/api/v1/reports", headers={"Idempotency-Key": key()}, data=json.dumps([1, 2]),
                         content_type="application/json")
    assert response.status_code == 422


def test_openapi_describes_intake(anon):
    spec = anon.get("/api/openapi.json").get_json()
    paths = spec["paths"]
    assert {"get"} <= set(paths["/api/v1/report-categories"]) and "post" in paths["/api/v1/reports"]
    post = paths["/api/v1/reports"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
    assert "/api/v1/track/{token}" in paths and "/api/v1/reports/{report_id}/contact" in paths
