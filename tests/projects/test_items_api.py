"""Approval items, payments and milestones through the API: validation with clear reasons."""
from tests.projects.conftest import assert_error, departments_of
from jiandu.projects import service


def _approval(project, **kw):
    return {"name": "建设工程规划许可证", "department_id": service.departments_of(project.id)[0].id,
            "submitted_on": "2025-01-24", "statutory_days": 20, "promised_days": 5, **kw}


def test_approval_with_working_day_colours(as_user, make_project):
    project = make_project()
    admin = as_user("admin")
    r = admin.post(f"/api/v1/projects/{project.id}/approvals", json=_approval(project, done_on="2025-02-08"))
    assert r.status_code == 201, r.get_json()
    item = r.get_json()
    assert item["due_on"] == "2025-02-07" and item["elapsed_workdays"] == 6 and item["colour"] == "red"
    r = admin.patch(f"/api/v1/projects/approvals/{item['id']}", json={"done_on": "2025-02-07", "version": 1})
    assert r.get_json()["colour"] == "green" and r.get_json()["elapsed_workdays"] == 5


def test_approval_refusals(as_user, make_project):
    project = make_project()
    admin = as_user("admin")
    url = f"/api/v1/projects/{project.id}/approvals"
    e = assert_error(admin.post(url, json=_approval(project, done_on="2025-01-20")), 422)
    assert e["fields"]["done_on"] == "办结日期不能早于申报日期"
    e = assert_error(admin.post(url, json=_approval(project, department_id=999999)), 422)
    assert e["fields"]["department_id"] == "未知的部门"
    other = departments_of("九原区", 3)[2]
    e = assert_error(admin.post(url, json=_approval(project, department_id=other.id)), 422)
    assert "不是本项目涉及的部门" in e["fields"]["department_id"]
    e = assert_error(admin.post(url, json=_approval(project, promised_days=30, statutory_days=20)), 422)
    assert e["fields"]["promised_days"] == "承诺时限不能长于法定时限"
    e = assert_error(admin.post(url, json=_approval(project, submitted_on="2099-01-01")), 422)
    assert "不能晚于今天" in e["fields"]["submitted_on"]
    e = assert_error(admin.post(url, json=_approval(project, submitted_on="2025-02-30")), 422)
    assert "YYYY-MM-DD" in e["fields"]["submitted_on"]
    e = assert_error(admin.post(url, json=_approval(project, promised_days=0)), 422)
    assert "promised_days" in e["fields"]
    e = assert_error(admin.post(url, json={}), 422)
    assert {"name", "department_id", "submitted_on", "statutory_days", "promised_days"} <= set(e["fields"])
    # a change that makes dates contradict is refused too
    item = admin.post(url, json=_approval(project)).get_json()
    e = assert_error(admin.patch(f"/api/v1/projects/approvals/{item['id']}", json={"submitted_on": "2025-03-01",
                                                                                  "done_on": "2025-02-01"}), 422)
    assert "done_on" in e["fields"]


def _payment(**kw):
    return {"contract_name": "配套道路工程", "payer": "九原区住建局", "payer_kind": "government",
            "amount": "1250000.50", "delivered_on": "2025-01-10", **kw}


def test_payment_due_by_the_sme_rules(as_user, make_project):
    project = make_project()
    admin = as_user("admin")
    url = f"/api/v1/projects/{project.id}/payments"
    r = admin.post(url, json=_payment())
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["due_on"] == "2025-02-09" and r.get_json()["amount"] == "1250000.50"
    r = admin.post(url, json=_payment(contract_due_on="2025-06-01"))
    assert r.get_json()["due_on"] == "2025-03-11" and "60" in r.get_json()["due_rule"]
    # settings move the rule
    assert as_user("admin").put("/api/v1/projects/settings", json={"payment_government_days": 15}).status_code == 200
    r = admin.post(url, json=_payment())
    assert r.get_json()["due_on"] == "2025-01-25"


def test_payment_refusals(as_user, make_project):
    project = make_project()
    admin = as_user("admin")
    url = f"/api/v1/projects/{project.id}/payments"
    for amount, reason in (("-5", "大于 0"), ("0", "大于 0"), ("12.345", "两位小数"), ("abc", "数字"),
                           ("1e20", "过大"), (None, "请填写金额"), ("NaN", "数字")):
        e = assert_error(admin.post(url, json=_payment(amount=amount)), 422)
        assert reason in e["fields"]["amount"], (amount, e)
    e = assert_error(admin.post(url, json=_payment(paid_on="2025-01-01")), 422)
    assert e["fields"]["paid_on"] == "付款日期不能早于交付日期"
    e = assert_error(admin.post(url, json=_payment(contract_due_on="2025-01-01")), 422)
    assert "contract_due_on" in e["fields"]
    e = assert_error(admin.post(url, json=_payment(payer_kind="alien")), 422)
    assert "payer_kind" in e["fields"]
    e = assert_error(admin.put("/api/v1/projects/settings", json={"payment_government_days": 90}), 422)
    assert "payment_government_days" in e["fields"]
    assert_error(as_user("inspector").put("/api/v1/projects/settings", json={"payment_max_days": 50}), 403)


def test_milestones(as_user, make_project):
    project = make_project()
    admin = as_user("admin")
    r = admin.post(f"/api/v1/projects/{project.id}/milestones",
                   json={"name": "开工建设", "stage": "construction_permit", "planned_on": "2025-05-01"})
    assert r.status_code == 201, r.get_json()
    m = r.get_json()
    r = admin.patch(f"/api/v1/projects/milestones/{m['id']}", json={"done_on": "2025-05-10", "version": 1})
    assert r.get_json()["late"] is True
    e = assert_error(admin.post(f"/api/v1/projects/{project.id}/milestones", json={"name": ""}), 422)
    assert {"name", "planned_on"} <= set(e["fields"])
