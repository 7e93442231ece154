"""协办单位: a department co-handling a case sees it (ledger, detail, figures' scope), read only;
a department that neither leads nor co-handles it still gets 404."""
import pytest
from sqlalchemy import select, text

from jiandu.cases.models import Case, case_co_departments
from jiandu.cases.service import get_case, visible_cases
from jiandu.extensions import db

from .test_lifecycle_api import move, photo_bytes


def _co_handled(as_user, make_case, market, users):
    case = make_case("多部门联合整治占道经营")
    inspector = as_user("inspector")
    move(inspector, case.id, "register", case_type="service_request", category="办事效率", severity="normal")
    body = move(inspector, case.id, "assign", department_id=market.id,
                co_department_ids=[users["tax-handler"].unit_id])
    assert body["co_department_ids"] == [users["tax-handler"].unit_id]
    return case


def _ledger_ids(api):
    return {i["id"] for i in api.get("/api/v1/cases?per_page=200").get_json()["items"]}


def test_permission_matrix_of_a_co_handled_case(as_user, make_case, market, users):
    case = _co_handled(as_user, make_case, market, users)
    # Who sees the case: detail (200/404) and ledger.
    expected = {"inspector": 200, "admin": 200, "handler": 200, "tax-handler": 200,
                "kdl-handler": 404, "county-inspector": 404, "enterprise": 404}
    for name, status in expected.items():
        api = as_user(name)
        assert api.get(f"/api/v1/cases/{case.id}").status_code == status, name
        if name != "enterprise":
            assert (case.id in _ledger_ids(api)) == (status == 200), name
    # Same through the service (the one rule every reader uses).
    assert get_case(users["tax-handler"], case.id).id == case.id
    assert db.session.scalar(visible_cases(users["kdl-handler"], db.select(Case.id))
                             .where(Case.id == case.id)) is None


def test_co_handler_reads_without_acting_or_reporter_identity(as_user, make_case, market, users):
    case = _co_handled(as_user, make_case, market, users)
    co = as_user("tax-handler")
    view = co.get(f"/api/v1/cases/{case.id}").get_json()
    assert view["allowed_actions"] == []  # every move belongs to the lead department
    assert view["events"][0]["actor"] == "群众" and view["events"][0]["actor_kind"] == "reporter"
    text = str(view)
    assert "reporter_id" not in text and "phone" not in text and "contact" not in text
    # No move: 403 (the case exists for them), while the lead department still signs.
    assert move(co, case.id, "sign", expect=403)["error"]["code"] == "forbidden"
    assert move(co, case.id, "return", expect=403, reason="x")["error"]["code"] == "forbidden"
    upload = co.post(f"/api/v1/cases/{case.id}/attachments",
                     data={"file": (__import__("io").BytesIO(photo_bytes()), "a.jpg")},
                     content_type="multipart/form-data")
    assert upload.status_code == 403
    assert "sign" in as_user("handler").get(f"/api/v1/cases/{case.id}").get_json()["allowed_actions"]
    move(as_user("handler"), case.id, "sign")
    assert co.get(f"/api/v1/cases/{case.id}").get_json()["state"] == "signed"
    # Another department's handler: the case does not exist for them.
    other = as_user("kdl-handler")
    assert other.get(f"/api/v1/cases/{case.id}").status_code == 404
    assert other.post(f"/api/v1/cases/{case.id}/actions/sign", json={"version": 1}).status_code == 404


def _co_rows(case_id):
    return db.session.execute(select(case_co_departments.c.department_id)
                              .where(case_co_departments.c.case_id == case_id)).scalars().all()


def test_co_handling_ends_when_the_case_is_returned(as_user, make_case, market, users):
    case = _co_handled(as_user, make_case, market, users)
    move(as_user("handler"), case.id, "return", reason="不属于本部门职责")
    assert as_user("tax-handler").get(f"/api/v1/cases/{case.id}").status_code == 404
    assert case.id not in _ledger_ids(as_user("tax-handler"))
    assert as_user("inspector").get(f"/api/v1/cases/{case.id}").get_json()["co_department_ids"] == []
    assert _co_rows(case.id) == []


def test_each_co_department_once_and_never_the_lead(as_user, make_case, market, users):
    case = make_case()
    inspector = as_user("inspector")
    move(inspector, case.id, "register", case_type="service_request", category="办事效率", severity="normal")
    tax = users["tax-handler"].unit_id
    body = move(inspector, case.id, "assign", department_id=market.id, co_department_ids=[tax, tax, market.id])
    assert body["co_department_ids"] == [tax]
    assert body["events"][-1]["data"]["co_department_ids"] == [tax]
    assert _co_rows(case.id) == [tax]


def test_reassignment_replaces_the_co_departments(as_user, make_case, market, users):
    case = _co_handled(as_user, make_case, market, users)
    move(as_user("handler"), case.id, "return", reason="需会同其他部门")
    kdl = users["kdl-handler"].unit_id
    body = move(as_user("inspector"), case.id, "assign", department_id=market.id, co_department_ids=[kdl])
    assert body["co_department_ids"] == [kdl]
    assert _co_rows(case.id) == [kdl]
    assert as_user("tax-handler").get(f"/api/v1/cases/{case.id}").status_code == 404
    view = as_user("kdl-handler").get(f"/api/v1/cases/{case.id}").get_json()
    assert view["id"] == case.id and view["allowed_actions"] == []


def test_co_handled_cases_are_found_by_index(app, users):
    """The co-handler's ledger reaches its cases through case_co_departments' department index,
    not by reading every case."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan checked is SQLite's")
    statement = visible_cases(users["tax-handler"], select(Case.id))
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = " | ".join(row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "ix_case_co_departments_department" in plan, plan
    assert "SCAN cases" not in plan, plan
