"""Blockers: from the app or the project's code, idempotent, each a case; the enterprise follows it."""
import io

from sqlalchemy import select

from jiandu.cases.models import Case
from jiandu.extensions import db
from jiandu.notify.models import OutboxEvent
from jiandu.org.models import User
from jiandu.org.scope import is_visible
from jiandu.projects import service
from jiandu.projects.models import Blocker
from tests.projects.conftest import assert_error, jpeg_bytes


def report(client, project, key="blk-0000001", photos=(), **fields):
    body = {"category": "approval_timeout", "description": "施工许可申请提交二十天仍无答复",
            "department_id": str(service.departments_of(project.id)[0].id), "contact_ok": "true", **fields}
    data = {**body, "photos": [(io.BytesIO(p), f"p{i}.jpg") for i, p in enumerate(photos)]}
    return client.post("/api/v1/blockers", data=data, headers={"Idempotency-Key": key},
                       content_type="multipart/form-data")


def test_a_blocker_becomes_a_case_at_the_projects_point(as_user, make_project, make_enterprise):
    project = make_project()
    ent = make_enterprise(project)
    client = as_user(ent.username)
    r = report(client, project, photos=[jpeg_bytes()])
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    case = db.session.get(Case, body["case_id"])
    department = service.departments_of(project.id)[0]
    assert (case.channel, case.state, case.project_id) == ("project_app", "received", project.id)
    assert case.point_id == service.point_of(project.id).id and case.department_id == department.id
    assert case.category == "approval_timeout" and case.case_type == "service_request"
    assert body["photos"] and client.get(body["photos"][0]["url"]).status_code == 200
    assert client.get(body["photos"][0]["url"]).data[:2] == b"\xff\xd8"
    events = [e for e in db.session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "project.blocker"))
              if e.payload["blocker_id"] == body["id"]]
    assert len(events) == 1
    assert service.blocker_recipients(case.id) == [ent.id]


def test_the_same_client_id_makes_one_blocker(as_user, make_project, make_enterprise):
    project = make_project()
    client = as_user(make_enterprise(project).username)
    first = report(client, project, key="blk-replay-01")
    again = report(client, project, key="blk-replay-01")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"] and again.get_json()["replayed"] is True
    changed = report(client, project, key="blk-replay-01", description="完全不同的另一件事情")
    assert_error(changed, 409, "idempotency_conflict")
    assert db.session.scalar(select(Blocker).where(Blocker.client_id == "blk-replay-01")) is not None


def test_refusals_say_what_to_fix(as_user, make_project, make_enterprise):
    project = make_project()
    client = as_user(make_enterprise(project).username)
    e = assert_error(report(client, project, key="blk-bad-0001", category="nope", description="短",
                            department_id="999999", contact_ok="maybe"), 422)
    assert set(e["fields"]) == {"category", "description", "department_id", "contact_ok"}
    e = assert_error(report(client, project, key="blk-bad-0002", photos=[b"not an image"]), 422)
    assert "第 1 张照片" in e["fields"]["photos"]
    e = assert_error(report(client, project, key="blk-bad-0003", photos=[jpeg_bytes()] * 4), 422)
    assert "最多" in e["fields"]["photos"]
    e = assert_error(client.post("/api/v1/blockers", json={"category": "other"}), 422)
    assert "client_id" in e["fields"]
    assert_error(report(as_user("inspector"), project, key="blk-staff-01"), 403)


def test_by_the_project_code_and_lead_categories(as_user, make_project, make_enterprise):
    project = make_project()
    client = as_user(make_enterprise(project).username)
    code = service.point_of(project.id).code
    r = report(client, project, key="blk-code-0001", point_code=code.lower(), category="extortion")
    assert r.status_code == 201, r.get_json()
    blocker = db.session.get(Blocker, r.get_json()["id"])
    assert blocker.channel == "code"
    case = db.session.get(Case, blocker.case_id)
    # a lead names the department it is about, yet that department never reads it: the commission decides
    assert case.case_type == "lead" and case.department_id == blocker.department_id is not None
    accused = User(username="accused-handler", display_name="被反映部门", role="handler",
                   unit_id=blocker.department_id, jurisdiction_id=project.jurisdiction_id, password_hash="-")
    db.session.add(accused)
    db.session.flush()
    assert not is_visible(accused, Blocker, blocker.id) and not is_visible(accused, Case, case.id)
    assert client.get(f"/api/v1/projects/by-code/{code}").get_json()["id"] == project.id


def test_categories_are_data(as_user):
    names = [c["name"] for c in as_user("enterprise").get("/api/v1/blocker-categories").get_json()["items"]]
    assert names == ["审批超时", "审批过繁", "监管执法不规范", "违规干预", "吃拿卡要", "拖欠账款",
                     "协调服务不到位", "其他"]
    admin = as_user("admin")
    assert admin.put("/api/v1/blocker-categories/intermediary",
                     json={"name": "中介服务", "sort": 75}).status_code == 200
    assert admin.put("/api/v1/blocker-categories/other", json={"active": False}).status_code == 200
    names = [c["name"] for c in admin.get("/api/v1/blocker-categories").get_json()["items"]]
    assert "中介服务" in names and "其他" not in names
    assert_error(as_user("inspector").put("/api/v1/blocker-categories/x1", json={"name": "x"}), 403)


def test_the_loop_inspector_assigns_department_answers_enterprise_visits(as_user, make_project, make_enterprise):
    project = make_project()
    ent = make_enterprise(project)
    client = as_user(ent.username)
    blocker = report(client, project, key="blk-loop-0001").get_json()
    inspector = as_user("inspector")
    board = inspector.get("/api/v1/projects/board?problems=1&per_page=200").get_json()
    row = next(p for p in board["items"] if p["id"] == project.id)
    assert row["open_blockers"] == 1
    case_id = blocker["case_id"]

    def act(who, action, **fields):
        version = who.get(f"/api/v1/cases/{case_id}").get_json()["version"]
        r = who.post(f"/api/v1/cases/{case_id}/actions/{action}", json={"version": version, **fields})
        assert r.status_code == 200, (action, r.get_json())

    department = service.departments_of(project.id)[0]
    act(inspector, "register", case_type="service_request", category="approval_timeout")
    act(inspector, "assign", department_id=department.id)
    # a handler of that department signs and answers
    from jiandu.org.models import User
    from jiandu.security import hash_password

    db.session.add(User(username="proj-handler", display_name="经办人", role="handler", password_hash=hash_password(
        "jiandu-demo"), jurisdiction_id=department.jurisdiction_id, unit_id=department.id))
    db.session.commit()
    handler = as_user("proj-handler")
    act(handler, "sign")
    act(handler, "answer", result="已于本周完成施工许可审批，证照已送达企业")
    act(inspector, "verify")
    view = client.get(f"/api/v1/blockers/{blocker['id']}").get_json()
    assert view["state"] == "verified" and view["feedback_open"] is True
    assert any("已于本周完成施工许可审批" in (e["note"] or "") for e in view["events"])
    r = client.post(f"/api/v1/blockers/{blocker['id']}/feedback", json={"resolved": True, "satisfaction": 5})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "closed"
    assert_error(client.post(f"/api/v1/blockers/{blocker['id']}/feedback",
                             json={"resolved": True, "satisfaction": 5}), 409)
