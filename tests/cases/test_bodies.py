"""The cases routes load their bodies with schemas: a refusal names the field in Chinese, and a
refusal that does not depend on the body comes before it is read."""


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:600])
    body = response.get_json()
    assert body["error"]["code"] == code, body
    return body["error"]


def test_a_bulk_assignment_without_cases_is_refused(as_user, market):
    response = as_user("inspector").post("/api/v1/cases/bulk-assign", json={"department_id": market.id, "cases": []})
    assert assert_error(response, 422, "invalid")["fields"]["cases"] == "请选择 1 到 200 件案件"


def test_a_deadline_rule_names_its_bad_fields_and_a_non_admin_is_refused_first(as_user):
    bad = {"kind": "nope", "amount": "x", "unit": "week", "basis": "x"}
    fields = assert_error(as_user("admin").put("/api/v1/deadline-rules", json=bad), 422, "invalid")["fields"]
    assert fields["kind"] == "未知的时限类型" and fields["unit"] == "单位须为工作日、自然日或小时"
    assert fields["basis"] == "起算点须为受理、转办、反馈或印发" and fields["amount"] == "时限应为整数"
    assert_error(as_user("inspector").put("/api/v1/deadline-rules", json=bad), 403, "forbidden")


def test_a_calendar_day_must_be_a_date_and_a_non_admin_is_refused_first(as_user):
    bad = {"items": [{"day": "明天", "is_workday": True}]}
    assert_error(as_user("admin").put("/api/v1/calendar/adjustments", json=bad), 422, "invalid")
    assert_error(as_user("inspector").put("/api/v1/calendar/adjustments", json=bad), 403, "forbidden")
    assert_error(as_user("admin").put("/api/v1/calendar/adjustments", json={"items": []}), 422, "invalid")


def test_a_recommendation_body_is_refused_in_chinese(as_user, market):
    body = {"unit_id": market.id, "title": "t", "systemic_cause": "c", "content": "x", "case_ids": "1,2"}
    fields = assert_error(as_user("inspector").post("/api/v1/recommendations", json=body), 422, "invalid")["fields"]
    assert fields == {"case_ids": "请选择至少一件已办结的案件"}
    assert_error(as_user("handler").post("/api/v1/recommendations", json=body), 403, "forbidden")
