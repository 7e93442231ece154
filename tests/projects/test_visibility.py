"""The enterprise's visibility matrix: another project, and everything of it, is 404 — always."""
import io

import pytest
from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.projects import service
from jiandu.projects.bodies import ApprovalItemIn, MilestoneIn, PaymentIn
from jiandu.projects.models import ApprovalItem, Blocker, Payment
from tests.projects.conftest import assert_error, jpeg_bytes, user


@pytest.fixture
def world(make_project, make_enterprise, as_user):
    """Two projects in two counties, each with an approval, a payment, a milestone, a blocker (with a
    photo) and an invitation; an enterprise user for each."""
    admin = user("admin")
    made = {}
    for key, county in (("mine", "九原区"), ("other", "昆都仑区")):
        project = make_project(county)
        dept = service.departments_of(project.id)[0]
        approval = service.create_approval(admin, project.id, ApprovalItemIn().load({
            "name": "施工许可", "department_id": dept.id, "submitted_on": "2025-01-24", "statutory_days": 7,
            "promised_days": 5}))
        payment = service.create_payment(admin, project.id, PaymentIn().load({
            "contract_name": "工程款", "payer": "住建局", "amount": 100, "delivered_on": "2025-01-10"}))
        milestone = service.create_milestone(admin, project.id, MilestoneIn().load({
            "name": "开工", "planned_on": "2025-05-01"}))
        invitation, _ = service.invite(admin, project.id, {"display_name": "联系人"})
        db.session.commit()
        ent = make_enterprise(project)
        client = as_user(ent.username)
        r = client.post("/api/v1/blockers", data={
            "category": "approval_timeout", "description": "审批一直没有结果，催问无答复",
            "department_id": str(dept.id), "contact_ok": "true", "photos": (io.BytesIO(jpeg_bytes()), "a.jpg")},
            headers={"Idempotency-Key": f"vis-{key}-{project.id}-0001"}, content_type="multipart/form-data")
        assert r.status_code == 201, r.get_json()
        blocker = r.get_json()
        made[key] = {"project": project, "approval": approval.id, "payment": payment.id, "milestone": milestone.id,
                     "invitation": invitation.id, "blocker": blocker["id"], "photo": blocker["photos"][0]["id"],
                     "code": service.point_of(project.id).code, "user": ent, "client": client,
                     "case": blocker["case_id"]}
    return made


def other_urls(o):
    pid = o["project"].id
    return [
        ("get", f"/api/v1/projects/{pid}", None),
        ("get", f"/api/v1/projects/{pid}/timeline", None),
        ("get", f"/api/v1/projects/approvals/{o['approval']}", None),
        ("get", f"/api/v1/projects/payments/{o['payment']}", None),
        ("get", f"/api/v1/blockers/{o['blocker']}", None),
        ("get", f"/api/v1/blockers/{o['blocker']}/photos/{o['photo']}", None),
        ("get", f"/api/v1/projects/by-code/{o['code']}", None),
        ("get", f"/api/v1/projects/{pid}/invitations", None),
        ("get", f"/api/v1/cases/{o['case']}", None),
        ("post", f"/api/v1/projects/{pid}/approvals", {"name": "x"}),
        ("post", f"/api/v1/projects/{pid}/payments", {"contract_name": "x"}),
        ("post", f"/api/v1/projects/{pid}/milestones", {"name": "x"}),
        ("post", f"/api/v1/projects/{pid}/invitations", {}),
        ("patch", f"/api/v1/projects/{pid}", {"name": "x"}),
        ("patch", f"/api/v1/projects/approvals/{o['approval']}", {"done_on": "2025-02-01"}),
        ("patch", f"/api/v1/projects/payments/{o['payment']}", {"paid_on": "2025-02-01"}),
        ("patch", f"/api/v1/projects/milestones/{o['milestone']}", {"done_on": "2025-02-01"}),
        ("delete", f"/api/v1/projects/invitations/{o['invitation']}", None),
        ("post", f"/api/v1/blockers/{o['blocker']}/feedback", {"resolved": True, "satisfaction": 5}),
    ]


def test_an_enterprise_user_gets_404_for_everything_of_another_project(world):
    me, other = world["mine"], world["other"]
    client = me["client"]
    for method, url, body in other_urls(other):
        kwargs = {"json": body} if body is not None else {}
        response = getattr(client, method)(url, **kwargs)
        assert response.status_code == 404, (method, url, response.status_code, response.get_json())
    # and the same requests on its own project are answered
    own = {u for m, u, b in other_urls(me) if m == "get" and "/cases/" not in u}
    for url in own:
        assert client.get(url).status_code == 200, url


def test_reporting_into_another_project_is_404(world):
    client, other = world["mine"]["client"], world["other"]
    for extra in ({"project_id": other["project"].id}, {"point_code": other["code"]}):
        r = client.post("/api/v1/blockers", json={"category": "other", "description": "想反映另一个项目",
                                                  "contact_ok": False, **extra},
                        headers={"Idempotency-Key": f"guess-{len(extra)}-{other['project'].id}-x"})
        assert_error(r, 404)


def test_guessing_ids_finds_only_the_own_project(world):
    me = world["mine"]
    client = me["client"]
    top = {
        "projects/approvals": db.session.scalar(select(func.max(ApprovalItem.id))),
        "projects/payments": db.session.scalar(select(func.max(Payment.id))),
        "blockers": db.session.scalar(select(func.max(Blocker.id))),
    }
    mine = {"projects/approvals": me["approval"], "projects/payments": me["payment"], "blockers": me["blocker"]}
    for path, highest in top.items():
        for record_id in range(max(1, highest - 30), highest + 3):
            status = client.get(f"/api/v1/{path}/{record_id}").status_code
            assert status == (200 if record_id == mine[path] else 404), (path, record_id, status)
    pid = me["project"].id
    for project_id in range(max(1, pid - 30), pid + 5):
        for url in (f"/api/v1/projects/{project_id}", f"/api/v1/projects/{project_id}/timeline"):
            assert client.get(url).status_code == (200 if project_id == pid else 404), url


def test_lists_hold_only_the_own_project(world):
    me = world["mine"]
    client = me["client"]
    projects = client.get("/api/v1/projects").get_json()["items"]
    assert [p["id"] for p in projects] == [me["project"].id]
    assert [p["id"] for p in client.get("/api/v1/projects/mine").get_json()["items"]] == [me["project"].id]
    blockers = client.get("/api/v1/blockers").get_json()["items"]
    assert {b["project_id"] for b in blockers} == {me["project"].id}
    other_blockers = client.get(f"/api/v1/blockers?project={world['other']['project'].id}").get_json()["items"]
    assert other_blockers == []
    assert_error(client.get("/api/v1/projects/board"), 403)


def test_enterprise_timeline_has_no_internal_cases_or_contact_phone(world):
    me = world["mine"]
    body = me["client"].get(f"/api/v1/projects/{me['project'].id}/timeline").get_json()
    assert body["cases"] == [] and body["visits"] == [] and body["can_edit"] is False
    assert body["project"]["contact_phone"] is None
    assert [a["colour"] for a in body["approvals"]] == ["red"]
    assert len(body["blockers"]) == 1 and "reporter" not in body["blockers"][0]


def test_staff_scope_follows_the_jurisdiction(world, as_user):
    mine, other = world["mine"], world["other"]
    kdl = as_user("county-inspector")  # 昆都仑区
    assert kdl.get(f"/api/v1/projects/{other['project'].id}/timeline").status_code == 200
    assert kdl.get(f"/api/v1/projects/{mine['project'].id}/timeline").status_code == 404
    assert kdl.get(f"/api/v1/blockers/{mine['blocker']}").status_code == 404
    ids = {p["id"] for p in kdl.get("/api/v1/projects/board?per_page=200").get_json()["items"]}
    assert other["project"].id in ids and mine["project"].id not in ids
    handler = as_user("handler")
    assert handler.get(f"/api/v1/projects/{mine['project'].id}/timeline").status_code == 404
    assert_error(handler.get("/api/v1/projects/board"), 403)
