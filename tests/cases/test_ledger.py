"""The ledger: filters, counts, sort, scope, Excel export; the figures; bulk assign."""
import io
from datetime import timedelta

from openpyxl import load_workbook

from jiandu.cases.models import Case
from jiandu.cases.service import reporter_return_visit
from jiandu.extensions import db
from jiandu.timeutil import utcnow

from .test_lifecycle_api import move, register_and_assign


def test_ledger_filters_counts_and_scope(as_user, make_case, market, users):
    inspector = as_user("inspector")
    a, b, c = make_case("甲"), make_case("乙", channel="website"), make_case("丙")
    register_and_assign(inspector, a.id, market.id)
    move(inspector, b.id, "register", case_type="work_style", category="作风")
    page = inspector.get("/api/v1/cases?per_page=200").get_json()
    assert {"items", "total", "page", "per_page", "counts"} <= set(page)
    assert page["counts"]["assigned"] >= 1 and page["counts"]["received"] >= 1
    ids = [i["id"] for i in page["items"]]
    assert {a.id, b.id, c.id} <= set(ids)
    # Three filters at once; the counts keep every filter but the state.
    url = f"/api/v1/cases?state=assigned&department={market.id}&channel=window_code&per_page=200"
    page = inspector.get(url).get_json()
    assert all(i["state"] == "assigned" and i["department"]["id"] == market.id for i in page["items"])
    assert a.id in [i["id"] for i in page["items"]] and page["total"] == page["counts"]["assigned"]
    assert inspector.get("/api/v1/cases?channel=website&per_page=200").get_json()["counts"] == {"registered": 1} \
        or b.id in [i["id"] for i in inspector.get("/api/v1/cases?channel=website").get_json()["items"]]
    today = (utcnow() + timedelta(hours=8)).date()
    page = inspector.get(f"/api/v1/cases?date_from={today}&date_to={today}&case_type=work_style").get_json()
    assert [i["id"] for i in page["items"]] == [b.id]
    page = inspector.get(f"/api/v1/cases?hall={a.point.hall_id}&sort=created_at").get_json()
    assert a.id in [i["id"] for i in page["items"]]
    created = [i["created_at"] for i in page["items"]]
    assert created == sorted(created)
    assert inspector.get("/api/v1/cases?sort=bogus").status_code == 422
    assert inspector.get("/api/v1/cases?state=bogus").status_code == 422
    # The handler's ledger is their department's; the county inspector sees none of the city's.
    handler_ids = [i["id"] for i in as_user("handler").get("/api/v1/cases?per_page=200").get_json()["items"]]
    assert a.id in handler_ids and b.id not in handler_ids
    county = as_user("county-inspector").get("/api/v1/cases?per_page=200").get_json()
    assert not {a.id, b.id, c.id} & {i["id"] for i in county["items"]}


def test_overdue_and_warning_filters(no_demo_cases, as_user, make_case, market):
    inspector = as_user("inspector")
    case = make_case()
    register_and_assign(inspector, case.id, market.id)
    row = db.session.get(Case, case.id)
    row.due_at, row.warning = utcnow() - timedelta(days=1), "red"
    db.session.commit()
    assert case.id in [i["id"] for i in inspector.get("/api/v1/cases?overdue=true&per_page=200").get_json()["items"]]
    page = inspector.get("/api/v1/cases?warning=red&per_page=200").get_json()
    assert [i["id"] for i in page["items"]] == [case.id] and page["items"][0]["overdue"]


def test_export_xlsx_has_chinese_headers_and_local_times(as_user, make_case, market):
    inspector = as_user("inspector")
    case = make_case("导出测试")
    register_and_assign(inspector, case.id, market.id)
    response = inspector.get(f"/api/v1/cases/export.xlsx?department={market.id}")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("案件编号", "状态", "类型")
    row = next(r for r in rows[1:] if r[0] == case.number)
    assert row[1] == "已转办" and row[8] == market.name
    received = db.session.get(Case, case.id).created_at
    assert abs(row[10] - (received + timedelta(hours=8))) < timedelta(minutes=1)  # Asia/Shanghai


def test_bulk_assign_answers_per_case(as_user, make_case, market):
    inspector = as_user("inspector")
    cases = [make_case(f"批量{n}") for n in range(3)]
    for case in cases[:2]:
        move(inspector, case.id, "register", case_type="service_request", category="办事效率")
    body = inspector.post("/api/v1/cases/bulk-assign", json={"department_id": market.id, "cases": [
        {"id": c.id, "version": inspector.get(f"/api/v1/cases/{c.id}").get_json()["version"]} for c in cases]})
    assert body.status_code == 200, body.get_json()
    results = {r["id"]: r for r in body.get_json()["results"]}
    assert results[cases[0].id]["result"] == results[cases[1].id]["result"] == "assigned"
    assert results[cases[2].id]["result"] == "refused" and results[cases[2].id]["code"] == "wrong_state"


def test_figures_follow_their_definitions(no_demo_cases, as_user, make_case, market):
    inspector, handler = as_user("inspector"), as_user("handler")
    outcomes = [(True, 5), (True, 3), (False, 1)]
    for resolved, satisfaction in outcomes:
        case = make_case()
        register_and_assign(inspector, case.id, market.id)
        move(handler, case.id, "sign")
        move(handler, case.id, "answer", result="已处理")
        move(inspector, case.id, "verify")
        reporter_return_visit(db.session.get(Case, case.id), resolved, satisfaction)
        db.session.commit()
    move(inspector, case.id, "reopen", reason="不满意")
    returned = make_case()
    register_and_assign(inspector, returned.id, market.id)
    move(handler, returned.id, "return", reason="非本部门")
    today = (utcnow() + timedelta(hours=8)).date()
    figures = inspector.get(f"/api/v1/cases/figures?from={today}&to={today}").get_json()
    counts = figures["counts"]
    assert counts["return_visits"] >= 3 and counts["returned"] >= 1
    # The figures of these cases alone, through the handler (whose scope is the department).
    mine = handler.get(f"/api/v1/cases/figures?from={today}&to={today}").get_json()
    assert mine["on_time_sign_rate"] == 1.0
    assert mine["counts"]["closed"] == 2 and mine["on_time_close_rate"] == 1.0
    assert mine["resolution_rate"] == round(2 / 3, 4)
    assert mine["satisfaction_rate"] == round(1 / 3, 4)  # 基本满意 is not counted by default
    assert mine["reopen_rate"] == round(1 / 3, 4)
    assert mine["return_rate"] == 0.0  # the returned case left the department's scope
    assert figures["return_rate"] == 0.25  # 1 return of 4 assignments (this test's cases only)
    assert mine["return_visit_rate"] == 1.0
    yesterday = today - timedelta(days=1)
    empty = handler.get(f"/api/v1/cases/figures?from={yesterday}&to={yesterday}").get_json()
    assert empty["on_time_sign_rate"] is None
    assert handler.get(f"/api/v1/cases/figures?from={today}&to={yesterday}").status_code == 422
