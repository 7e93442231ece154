"""Blockers drafted offline: the `blocker.create` write of the sync protocol, photos uploaded first."""
import uuid

import pytest

from jiandu.extensions import db
from jiandu.projects import service
from jiandu.projects.models import Blocker
from tests.projects.conftest import jpeg_bytes

pytest.importorskip("jiandu.fieldwork.sync")


def upload(client, data: bytes) -> str:
    photo = str(uuid.uuid4())
    r = client.put(f"/api/v1/uploads/{photo}", data=data,
                   headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}",
                            "Content-Type": "application/octet-stream"})
    assert r.status_code == 200, r.get_data(as_text=True)
    return photo


def push(client, writes):
    r = client.post("/api/v1/sync/push", json={"device": "test-phone", "writes": writes})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()["results"]


def test_a_blocker_written_offline_arrives_once_with_its_photo(as_user, make_project, make_enterprise):
    project = make_project()
    client = as_user(make_enterprise(project).username)
    photo = upload(client, jpeg_bytes())
    write = {"id": str(uuid.uuid4()), "op": "blocker.create", "body": {
        "project_id": project.id, "category": "approval_timeout", "description": "离线时记录：规划许可迟迟不批",
        "department_id": service.departments_of(project.id)[0].id, "contact_ok": True, "photos": [photo]}}
    first = push(client, [write])[0]
    assert first["status"] == "applied", first
    again = push(client, [write])[0]
    assert again["status"] == "duplicate" and again["result"] == first["result"]
    blocker = db.session.get(Blocker, first["result"]["blocker_id"])
    assert len(blocker.photos) == 1 and blocker.client_id == write["id"]
    view = client.get(f"/api/v1/blockers/{blocker.id}").get_json()
    assert client.get(view["photos"][0]["url"]).status_code == 200


def test_a_photo_not_yet_uploaded_makes_the_write_wait(as_user, make_project, make_enterprise):
    project = make_project()
    client = as_user(make_enterprise(project).username)
    write = {"id": str(uuid.uuid4()), "op": "blocker.create", "body": {
        "project_id": project.id, "category": "other", "description": "照片还没传完的堵点",
        "department_id": service.departments_of(project.id)[0].id, "contact_ok": False,
        "photos": [str(uuid.uuid4())]}}
    answer = push(client, [write])[0]
    assert answer["status"] == "rejected" and answer["retryable"] is True and answer["code"] == "photo_missing"


def test_refusals_and_other_projects_through_sync(as_user, make_project, make_enterprise):
    project, other = make_project(), make_project("昆都仑区")
    client = as_user(make_enterprise(project).username)
    bad = push(client, [{"id": str(uuid.uuid4()), "op": "blocker.create", "body": {
        "project_id": project.id, "category": "nope", "description": "短"}}])[0]
    assert bad["status"] == "rejected" and {"category", "description"} <= set(bad["fields"])
    foreign = push(client, [{"id": str(uuid.uuid4()), "op": "blocker.create", "body": {
        "project_id": other.id, "category": "other", "description": "别的项目的堵点", "contact_ok": False}}])[0]
    assert foreign["status"] == "rejected" and foreign["http_status"] == 404
