"""清单监督: versioned templates, tasks issued across units (举一反三), self-checks, spot-checks, the
ledger with the cases' warning rule, its Excel export, and a "no" that becomes a case in one tap."""
from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from jiandu.cases.models import Case
from jiandu.extensions import db
from jiandu.fieldwork.models import ChecklistTask
from jiandu.org.models import Unit
from jiandu.timeutil import to_local, utcnow
from tests.fieldwork.conftest import CHECKLIST, answers_for, new_id, photo_bytes, push, upload, user


def test_template_items_are_checked(inspector):
    bad = {"title": "", "items": [{"kind": "single", "label": "x", "options": ["only one"]},
                                  {"kind": "dance", "label": "y"}]}
    response = inspector.post("/api/v1/checklist-templates", json=bad)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "items.0.options" in fields and "items.1.kind" in fields
    assert inspector.post("/api/v1/checklist-templates", json={"title": "空", "items": []}).status_code == 422


def test_handlers_cannot_make_templates(as_user):
    assert as_user("handler").post("/api/v1/checklist-templates", json=CHECKLIST).status_code == 403


def test_a_new_version_keeps_the_old_one_for_its_tasks(inspector, template):
    changed = {**CHECKLIST, "items": CHECKLIST["items"] + [{"kind": "yes_no", "label": "是否设置意见箱"}]}
    v2 = inspector.post(f"/api/v1/checklist-templates/{template['id']}/versions", json=changed).get_json()
    assert v2["code"] == template["code"] and v2["version"] == 2 and len(v2["items"]) == 7
    old = inspector.get(f"/api/v1/checklist-templates/{template['id']}").get_json()
    assert old["current"] is False and len(old["items"]) == 6
    listed = inspector.get("/api/v1/checklist-templates").get_json()["items"]
    assert v2["id"] in [t["id"] for t in listed] and template["id"] not in [t["id"] for t in listed]
    refused = inspector.post("/api/v1/checklist-tasks", json={"template_id": template["id"], "unit_kind": "department"})
    assert refused.status_code == 422


def test_issue_across_all_departments_self_check_and_ledger(inspector, template, as_user):
    issued = inspector.post("/api/v1/checklist-tasks", json={"template_id": template["id"], "unit_kind": "department",
                                                             "due_workdays": 5, "note": "举一反三"})
    assert issued.status_code == 201, issued.get_json()
    batch = issued.get_json()
    departments = db.session.scalars(select(Unit).where(Unit.kind == "department", Unit.active)).all()
    assert batch["count"] == len(departments) > 3
    handler = as_user("handler")
    mine = handler.get("/api/v1/checklist-tasks").get_json()
    assert mine["total"] == 1 and mine["items"][0]["unit_id"] == user("handler").unit_id
    task = mine["items"][0]
    # The handler sees the template through the task, and answers it (a self-check) through sync.
    assert handler.get(f"/api/v1/checklist-templates/{template['id']}").status_code == 200
    photo = upload(handler, photo_bytes())
    answer = push(handler, {"id": new_id(), "op": "answers.submit",
                            "body": {"task_id": task["id"], "answers": answers_for(template, photo, yes=True)}})
    assert answer["results"][0]["status"] == "applied", answer
    # Another department's handler cannot see (so not answer) it.
    other = push(as_user("tax-handler"), {"id": new_id(), "op": "answers.submit",
                                          "body": {"task_id": task["id"], "answers": []}})["results"][0]
    assert other["status"] == "rejected" and other["code"] == "not_found"
    ledger = inspector.get("/api/v1/checklist-tasks", query_string={"batch": batch["batch"]}).get_json()
    assert ledger["total"] == batch["count"]
    assert ledger["counts"]["answered"] == 1 and ledger["counts"]["issued"] == batch["count"] - 1
    detail = inspector.get(f"/api/v1/checklist-tasks/{task['id']}").get_json()
    assert detail["state"] == "answered" and detail["answer_sets"][0]["kind"] == "self_check"
    # An inspector's spot-check on a visit moves it on.
    spot = push(inspector, {"id": new_id(), "op": "answers.submit",
                            "body": {"task_id": task["id"], "answers": answers_for(template, photo_for(inspector))}})
    assert spot["results"][0]["status"] == "applied"
    assert db.session.get(ChecklistTask, task["id"]).state == "spot_checked"


def photo_for(api) -> str:
    return upload(api, photo_bytes(color=(90, 90, 20)))


def test_overdue_tasks_warn_like_cases_and_export_to_excel(inspector, template):
    batch = inspector.post("/api/v1/checklist-tasks", json={"template_id": template["id"], "unit_kind": "department",
                                                            "due_workdays": 3}).get_json()
    tasks = db.session.scalars(select(ChecklistTask).where(ChecklistTask.batch == batch["batch"])
                               .order_by(ChecklistTask.id)).all()
    now = utcnow()
    tasks[0].warn_at, tasks[0].due_at = now - timedelta(hours=2), now - timedelta(hours=1)   # red
    tasks[1].warn_at, tasks[1].due_at = now - timedelta(hours=1), now + timedelta(days=1)    # yellow
    db.session.commit()
    ledger = inspector.get("/api/v1/checklist-tasks", query_string={"batch": batch["batch"]}).get_json()
    assert ledger["counts"]["red"] == 1 and ledger["counts"]["yellow"] == 1
    warnings = {i["id"]: i["warning"] for i in ledger["items"]}
    assert warnings[tasks[0].id] == "red" and warnings[tasks[1].id] == "yellow" and warnings[tasks[2].id] == "none"
    red = inspector.get("/api/v1/checklist-tasks", query_string={"batch": batch["batch"], "warning": "red"}).get_json()
    assert [i["id"] for i in red["items"]] == [tasks[0].id]
    # The deadline itself is the workday rule's: 3 working days from now, never on a weekend.
    assert to_local(tasks[2].due_at).weekday() < 5 or tasks[2].due_provisional is False
    export = inspector.get("/api/v1/checklist-tasks/export.xlsx", query_string={"batch": batch["batch"]})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "任务编号" and len(rows) == batch["count"] + 1
    assert "红色预警（超期）" in [r[7] for r in rows] and "黄色预警" in [r[7] for r in rows]


def test_a_no_becomes_a_case_in_one_tap(inspector, template, window):
    visit = inspector.post("/api/v1/visits", json={"kind": "rectification", "point_id": window.id,
                                                   "template_id": template["id"]}).get_json()
    photo = upload(inspector, photo_bytes())
    applied = push(inspector, {"id": new_id(), "op": "answers.submit",
                               "body": {"visit_id": visit["id"], "answers": answers_for(template, photo)}})
    no_item = next(i["id"] for i in template["items"] if i["kind"] == "yes_no")
    answer_id = applied["results"][0]["result"]["answers"][str(no_item)]
    key = new_id()
    made = inspector.post(f"/api/v1/checklist-answers/{answer_id}/case",
                          json={"id": key, "description": "未公示最新办事指南"})
    assert made.status_code == 201, made.get_json()
    case_id = made.get_json()["case_id"]
    case = db.session.get(Case, case_id)
    assert case.channel == "checklist" and case.point_id == window.id
    again = inspector.post(f"/api/v1/checklist-answers/{answer_id}/case",
                           json={"id": key, "description": "未公示最新办事指南"})
    assert again.status_code == 200 and again.get_json()["case_id"] == case_id
    twice = inspector.post(f"/api/v1/checklist-answers/{answer_id}/case",
                           json={"id": new_id(), "description": "再转一次"})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_case"
    detail = inspector.get(f"/api/v1/visits/{visit['id']}").get_json()
    assert detail["answer_sets"][0]["answers"][0]["negative"] is True
    assert detail["answer_sets"][0]["answers"][0]["case_id"] == case_id


def test_missing_required_answers_are_named(inspector, template, window):
    visit = inspector.post("/api/v1/visits", json={"kind": "big_visit", "point_id": window.id,
                                                   "template_id": template["id"]}).get_json()
    result = push(inspector, {"id": new_id(), "op": "answers.submit",
                              "body": {"visit_id": visit["id"], "answers": []}})["results"][0]
    required = [i["id"] for i in template["items"] if i["required"]]
    assert result["status"] == "rejected"
    assert set(result["fields"]) == {f"item.{i}" for i in required}


def test_visit_kinds_are_data(inspector):
    kinds = inspector.get("/api/v1/visit-kinds").get_json()["items"]
    assert [k["name"] for k in kinds][:5] == ["大走访", "体验式监督", "集中整治", "助企护企", "容错纠错"]
