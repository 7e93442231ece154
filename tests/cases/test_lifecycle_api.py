"""The closed loop through the API: every path, with its refusals."""
import io

from PIL import Image
from sqlalchemy import select

from jiandu.cases.models import Case, CaseEvent
from jiandu.cases.service import derive_state, reporter_return_visit
from jiandu.extensions import db


def move(api, case_id, action, expect=200, **fields):
    version = api.get(f"/api/v1/cases/{case_id}").get_json()["version"]
    response = api.post(f"/api/v1/cases/{case_id}/actions/{action}", json={"version": version, **fields})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def register_and_assign(inspector, case_id, department_id, case_type="service_request"):
    move(inspector, case_id, "register", case_type=case_type, category="办事效率", severity="normal")
    return move(inspector, case_id, "assign", department_id=department_id)


def photo_bytes():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_main_path_to_closed(as_user, make_case, market):
    case = make_case()
    inspector, handler = as_user("inspector"), as_user("handler")
    body = register_and_assign(inspector, case.id, market.id)
    assert body["state"] == "assigned" and body["deadline_kind"] == "sign_for" and body["due_at"]
    assert "sign" not in body["allowed_actions"]  # the inspector cannot sign for the department
    body = move(handler, case.id, "sign")
    assert body["state"] == "signed" and body["deadline_kind"] == "service_request"
    upload = handler.post(f"/api/v1/cases/{case.id}/attachments",
                          data={"file": (io.BytesIO(photo_bytes()), "现场.jpg")}, content_type="multipart/form-data")
    assert upload.status_code == 201, upload.get_json()
    photo = upload.get_json()
    body = move(handler, case.id, "answer", result="已约谈窗口负责人并一次性办结", measures="窗口一次性告知",
                attachments=[photo["id"]])
    assert body["state"] == "answered" and body["deadline_kind"] == "return_visit"
    got = handler.get(photo["url"])
    assert got.status_code == 200 and got.mimetype == "image/jpeg"
    move(inspector, case.id, "verify")
    body = move(inspector, case.id, "return_visit", resolved=True, satisfaction=5, method="phone")
    assert body["state"] == "revisited"
    body = move(inspector, case.id, "close")
    assert body["state"] == "closed" and body["closed_at"]
    actions = [e["action"] for e in body["events"]]
    assert actions == ["receive", "register", "assign", "sign", "answer", "verify", "return_visit", "close"]
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()
    assert derive_state(events) == "closed"
    assert body["attachments"][0]["id"] == photo["id"]


def test_reporter_return_visit_closes_or_waits(as_user, make_case, market):
    inspector, handler = as_user("inspector"), as_user("handler")
    for resolved, satisfaction, final in ((True, 4, "closed"), (False, 2, "revisited")):
        case = make_case()
        register_and_assign(inspector, case.id, market.id)
        move(handler, case.id, "sign")
        move(handler, case.id, "answer", result="已处理")
        move(inspector, case.id, "verify")
        row = db.session.get(Case, case.id)
        reporter_return_visit(row, resolved, satisfaction)
        db.session.commit()
        body = inspector.get(f"/api/v1/cases/{case.id}").get_json()
        assert body["state"] == final
        assert body["events"][-1]["actor"] in ("系统", "群众")
    # Unsatisfied: reopened, counts against the department, back with a new sign-for deadline.
    body = move(inspector, case.id, "reopen", reason="群众反映问题未解决")
    assert body["state"] == "assigned" and body["reopen_count"] == 1 and body["deadline_kind"] == "sign_for"


def test_not_accepted_needs_a_reason_told_to_the_reporter(as_user, make_case):
    case = make_case()
    inspector = as_user("inspector")
    refused = move(inspector, case.id, "not_accept", expect=422)
    assert "reason" in refused["error"]["fields"]
    body = move(inspector, case.id, "not_accept", reason="不属于营商环境监督范围，请拨打12345")
    assert body["state"] == "not_accepted"
    assert "12345" in body["events"][-1]["public_note"]


def test_merge_into_another_case(as_user, make_case):
    first, second = make_case(), make_case("同一窗口同一问题")
    inspector = as_user("inspector")
    assert move(inspector, second.id, "merge", expect=422, into_case_id=second.id)["error"]["fields"]["into_case_id"]
    body = move(inspector, second.id, "merge", into_case_id=first.id)
    assert body["state"] == "merged" and body["merged_into_id"] == first.id


def test_return_as_misrouted_and_reroute(as_user, make_case, market, users):
    case = make_case()
    inspector, handler = as_user("inspector"), as_user("handler")
    register_and_assign(inspector, case.id, market.id)
    assert move(handler, case.id, "return", expect=422)["error"]["fields"]["reason"]
    body = move(handler, case.id, "return", reason="属于税务部门职责")
    assert body["state"] == "registered" and body["returns_count"] == 1 and body["department"] is None
    assert handler.get(f"/api/v1/cases/{case.id}").status_code == 404  # no longer theirs
    body = move(inspector, case.id, "assign", department_id=users["tax-handler"].unit_id)
    assert body["department"]["id"] == users["tax-handler"].unit_id
    assert move(as_user("tax-handler"), case.id, "sign")["state"] == "signed"


def test_extension_request_and_decision(as_user, make_case, market):
    case = make_case()
    inspector, handler = as_user("inspector"), as_user("handler")
    register_and_assign(inspector, case.id, market.id)
    signed = move(handler, case.id, "sign")
    before = signed["handle_due_at"]
    move(handler, case.id, "request_extension", days=5, reason="需现场核实")
    again = move(handler, case.id, "request_extension", expect=409, days=2, reason="再延")
    assert again["error"]["code"] == "pending_extension"
    assert move(inspector, case.id, "decide_extension", expect=422, approve=False)["error"]["fields"]["note"]
    body = move(inspector, case.id, "decide_extension", approve=True)
    assert body["handle_due_at"] > before and body["due_at"] == body["handle_due_at"]
    assert body["state"] == "signed" and body["extension_requested_days"] is None
    move(handler, case.id, "request_extension", days=2, reason="再需两天")
    body = move(inspector, case.id, "decide_extension", approve=False, note="理由不充分")
    assert body["handle_due_at"] == body["due_at"]


def test_extension_refused_after_the_deadline(as_user, make_case, market):
    case = make_case()
    inspector, handler = as_user("inspector"), as_user("handler")
    register_and_assign(inspector, case.id, market.id)
    move(handler, case.id, "sign")
    row = db.session.get(Case, case.id)
    row.handle_due_at = row.created_at  # the deadline has passed
    db.session.commit()
    late = move(handler, case.id, "request_extension", expect=409, days=3, reason="x")
    assert late["error"]["code"] == "past_deadline"


def test_park_review_unpark_and_send_back(as_user, make_case, market):
    case = make_case()
    inspector, handler = as_user("inspector"), as_user("handler")
    register_and_assign(inspector, case.id, market.id)
    move(handler, case.id, "sign")
    body = move(inspector, case.id, "park", reason="涉及历史遗留问题，需市政府协调", review_days=30)
    assert body["state"] == "parked" and body["due_at"] is None and body["parked_review_at"]
    move(inspector, case.id, "review_parked", note="仍在协调")
    assert move(inspector, case.id, "unpark")["state"] == "signed"
    move(handler, case.id, "answer", result="已答复")
    body = move(inspector, case.id, "send_back", reason="答复未见整改措施")
    assert body["state"] == "signed"


def test_lead_is_handed_over_not_assigned(as_user, make_case, market):
    case = make_case("窗口工作人员索要好处费")
    inspector = as_user("inspector")
    move(inspector, case.id, "register", case_type="lead", category="吃拿卡要")
    assert move(inspector, case.id, "assign", expect=409, department_id=market.id)["error"]["code"] == "wrong_type"
    body = move(inspector, case.id, "hand_over", office="信访室")
    assert body["state"] == "handed_over"


def test_send_up_hides_the_case_from_local_users(as_user, make_case):
    case = make_case("反映市纪委监委领导干部问题")
    inspector = as_user("inspector")
    body = move(inspector, case.id, "send_up", reason="涉及本级领导班子成员")
    assert body["state"] == "sent_up" and body["restricted"]
    assert inspector.get(f"/api/v1/cases/{case.id}").status_code == 404
    assert case.id not in [i["id"] for i in inspector.get("/api/v1/cases?per_page=200").get_json()["items"]]
    assert as_user("admin").get(f"/api/v1/cases/{case.id}").status_code == 200
    assert as_user("kdl-admin").get(f"/api/v1/cases/{case.id}").status_code == 404


def test_close_without_return_visit_needs_a_reason(as_user, make_case, market):
    case = make_case()
    inspector, handler = as_user("inspector"), as_user("handler")
    register_and_assign(inspector, case.id, market.id)
    move(handler, case.id, "sign")
    move(handler, case.id, "answer", result="已处理")
    move(inspector, case.id, "verify")
    assert move(inspector, case.id, "close", expect=422)["error"]["fields"]["note"]
    assert move(inspector, case.id, "close", note="匿名反映，无法回访")["state"] == "closed"


def test_escalate_and_urge_by_inspector(as_user, make_case, market):
    case = make_case()
    inspector = as_user("inspector")
    register_and_assign(inspector, case.id, market.id)
    assert move(inspector, case.id, "urge", note="请尽快签收")["state"] == "assigned"
    body = move(inspector, case.id, "escalate", level=2)
    assert body["escalation_level"] == 2
    assert move(inspector, case.id, "escalate", expect=409, level=1)["error"]["code"] == "already_escalated"


def test_attachments_are_checked_like_citizens_photos(as_user, make_case, market):
    """Evidence photos lose their EXIF (GPS included); files that are neither photos nor documents
    are refused with the reason; documents are kept as sent."""
    case = make_case()
    inspector, handler = as_user("inspector"), as_user("handler")
    register_and_assign(inspector, case.id, market.id)
    move(handler, case.id, "sign")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make, as a phone writes it
    raw = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 30)).save(raw, "PNG", exif=exif.tobytes())
    url = f"/api/v1/cases/{case.id}/attachments"
    sent = handler.post(url, data={"file": (io.BytesIO(raw.getvalue()), "现场.png")},
                        content_type="multipart/form-data")
    assert sent.status_code == 201, sent.get_json()
    assert sent.get_json()["filename"] == "现场.jpg" and sent.get_json()["content_type"] == "image/jpeg"
    stored = Image.open(io.BytesIO(handler.get(sent.get_json()["url"]).data))
    assert stored.format == "JPEG" and not stored.getexif()
    refused = handler.post(url, data={"file": (io.BytesIO(b"MZ\x90\x00not a photo"), "tool.exe")},
                           content_type="multipart/form-data")
    assert refused.status_code == 422 and "只支持图片" in refused.get_json()["error"]["fields"]["file"]
    document = handler.post(url, data={"file": (io.BytesIO(b"%PDF-1.4 minimal"), "整改报告.pdf")},
                            content_type="multipart/form-data")
    assert document.status_code == 201 and document.get_json()["content_type"] == "application/pdf"
