"""The first promise: the unit reported never learns who reported it, nor what, until the commission
hands it the case — and a lead never. A case sent up takes its report, photos and contact with it."""
from __future__ import annotations

import io

import openpyxl
import pytest

from jiandu.cases.models import Case
from jiandu.cases.service import reporter_return_visit
from jiandu.extensions import db
from jiandu.org.models import User
from jiandu.security import hash_password
from tests.conftest import PASSWORD
from tests.intake.conftest import image_bytes, key, user


def _move(api, case_id: int, action: str, **fields) -> dict:
    version = api.get(f"/api/v1/cases/{case_id}").get_json()["version"]
    response = api.post(f"/api/v1/cases/{case_id}/actions/{action}", json={"version": version, **fields})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _report(anon, window, category: str, description: str) -> dict:
    response = anon.post("/api/v1/reports", headers={"Idempotency-Key": key()}, data={
        "point_code": window.code, "kind": "report", "category": category, "description": description,
        "anonymous": "false", "name": "钱多多", "phone": "13600002222",
        "photos": [(io.BytesIO(image_bytes()), "a.jpg")]}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def department_admin(app, staff):
    """An administrator bound to the handler's department: the reported unit's most powerful account."""
    handler = user("handler")
    db.session.add(User(username="dept-admin", display_name="部门管理员", role="admin", unit_id=handler.unit_id,
                        jurisdiction_id=handler.jurisdiction_id, password_hash=hash_password(PASSWORD)))
    db.session.commit()
    return staff("dept-admin")


def _sees_case(api, case: dict) -> dict:
    listed = api.get("/api/v1/cases?per_page=200").get_json()["items"]
    book = openpyxl.load_workbook(io.BytesIO(api.get("/api/v1/cases/export.xlsx").data))
    exported = {str(c.value) for row in book.active.iter_rows() for c in row}
    return {"list": case["case_id"] in {c["id"] for c in listed},
            "read": api.get(f"/api/v1/cases/{case['case_id']}").status_code == 200,
            "export": case["case_number"] in exported}


def _sees_report(api, case: dict) -> dict:
    report = case["report_id"]
    detail = api.get(f"/api/v1/reports/{report}")
    photos = detail.get_json().get("photos", []) if detail.status_code == 200 else []
    return {"report": detail.status_code == 200,
            "contact": api.get(f"/api/v1/reports/{report}/contact").status_code == 200,
            "photo": bool(photos) and api.get(photos[0]["url"]).status_code == 200}


NOTHING = {"list": False, "read": False, "export": False}
NO_REPORT = {"report": False, "contact": False, "photo": False}


def test_the_department_reported_never_reads_a_citizens_lead(staff, anon, window, department_admin):
    lead = _report(anon, window, "extortion", "办证时工作人员暗示要好处费才给加快")
    handler = staff("handler")
    assert _sees_case(handler, lead) == NOTHING
    assert _sees_case(department_admin, lead) == NOTHING and _sees_report(department_admin, lead) == NO_REPORT
    inspector = staff("inspector")
    _move(inspector, lead["case_id"], "register", case_type="lead", category="extortion", severity="serious")
    _move(inspector, lead["case_id"], "hand_over", office="监督检查室")
    assert _sees_case(handler, lead) == NOTHING and _sees_case(department_admin, lead) == NOTHING
    assert _sees_case(inspector, lead) == {"list": True, "read": True, "export": True}


def test_a_department_reads_a_case_only_once_it_is_handed_to_it_and_never_who_reported(
        staff, anon, window, department_admin):
    case = _report(anon, window, "attitude", "窗口工作人员态度恶劣，拒收材料")
    handler, inspector = staff("handler"), staff("inspector")
    assert _sees_case(handler, case) == NOTHING
    _move(inspector, case["case_id"], "register", case_type="work_style", category="attitude", severity="normal")
    assert _sees_case(handler, case) == NOTHING
    _move(inspector, case["case_id"], "assign", department_id=user("handler").unit_id)
    assert _sees_case(handler, case) == {"list": True, "read": True, "export": True}
    # The case, yes; the citizen's report, name, phone and photos, never.
    assert _sees_report(department_admin, case) == NO_REPORT
    assert _sees_report(inspector, case) == {"report": True, "contact": True, "photo": True}


def test_a_case_sent_up_takes_its_report_photos_and_contact_with_it(staff, anon, window):
    case = _report(anon, window, "extortion", "窗口负责人索要好处费，涉及纪委干部亲属")
    inspector, county, top = staff("inspector"), staff("county-inspector"), staff("admin")
    assert _sees_report(inspector, case) == {"report": True, "contact": True, "photo": True}
    _move(inspector, case["case_id"], "send_up", reason="涉及本级纪委干部")
    assert _sees_case(inspector, case) == NOTHING and _sees_report(inspector, case) == NO_REPORT
    assert case["report_id"] not in {r["id"] for r in inspector.get("/api/v1/reports?per_page=200").get_json()["items"]}
    assert _sees_report(county, case) == NO_REPORT
    assert _sees_report(top, case) == {"report": True, "contact": True, "photo": True}


def test_the_citizens_return_visit_words_stay_with_the_commission(staff, anon, window):
    case = _report(anon, window, "attitude", "窗口工作人员态度恶劣，拒收材料")
    inspector, handler = staff("inspector"), staff("handler")
    _move(inspector, case["case_id"], "register", case_type="work_style", category="attitude", severity="normal")
    _move(inspector, case["case_id"], "assign", department_id=user("handler").unit_id)
    _move(handler, case["case_id"], "sign")
    _move(handler, case["case_id"], "answer", result="已约谈窗口负责人")
    _move(inspector, case["case_id"], "verify", note="电话核实属实")
    reporter_return_visit(db.session.get(Case, case["case_id"]), False, 2, "我是二号窗口前天下午办营业执照的那个人")
    db.session.commit()

    def notes(api):
        return [e["note"] for e in api.get(f"/api/v1/cases/{case['case_id']}").get_json()["events"]]

    assert "我是二号窗口前天下午办营业执照的那个人" in notes(inspector)
    assert "我是二号窗口前天下午办营业执照的那个人" not in notes(handler)
