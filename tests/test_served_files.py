"""What the server hands out and what a browser may keep: /app/ serves only what the app is made of;
every photo (personal data) and every other private API answer is `no-store`."""
from __future__ import annotations

import base64
import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import select

from jiandu.cases.service import open_case
from jiandu.extensions import db
from jiandu.org.models import Point, User
from jiandu.web import views


def jpeg(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))


# --- /app/ ----------------------------------------------------------------------------------------------

def test_the_app_folder_serves_no_script_of_its_own(client):
    assert client.get("/app/icons/make_icons.py").status_code == 404


def test_app_serves_only_what_the_app_is_made_of(client, tmp_path, monkeypatch):
    pwa = tmp_path / "pwa"
    (pwa / "js").mkdir(parents=True)
    for name in ("js/app.js", "js/app.js.map", "tool.py", "NOTES.md", ".env", "app.css"):
        (pwa / name).write_text("x")
    monkeypatch.setattr(views, "PWA_DIR", pwa)
    assert client.get("/app/js/app.js").status_code == 200
    assert client.get("/app/app.css").status_code == 200
    for name in ("js/app.js.map", "tool.py", "NOTES.md", ".env"):
        assert client.get(f"/app/{name}").status_code == 404, name


# --- photos: never kept by the browser -----------------------------------------------------------------

def _report_photo(client) -> str:
    window = db.session.scalar(select(Point).where(Point.type == "window", Point.active).order_by(Point.id))
    response = client.post("/api/v1/reports", headers={"Idempotency-Key": uuid.uuid4().hex}, json={
        "point_code": window.code, "kind": "report", "category": "attitude", "description": "窗口无人值守，等了一上午",
        "photos": ["data:image/jpeg;base64," + base64.b64encode(jpeg()).decode()]})
    assert response.status_code == 201, response.get_json()
    return f"/api/v1/reports/{response.get_json()['report_id']}/photos/"


def _blocker_photo(enterprise) -> str:
    from jiandu.projects.service import departments_of

    me = db.session.scalar(select(User).where(User.username == "enterprise"))
    response = enterprise.post("/api/v1/blockers", data={
        "category": "approval_timeout", "description": "审批一直没有结果，催问无答复", "contact_ok": "true",
        "department_id": str(departments_of(me.project_id)[0].id),
        "photos": (io.BytesIO(jpeg((30, 30, 200))), "a.jpg")},
        headers={"Idempotency-Key": uuid.uuid4().hex}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["photos"][0]["url"]


def _field_photo(inspector, window: Point) -> str:
    data, uid, visit = jpeg((30, 200, 30)), str(uuid.uuid4()), str(uuid.uuid4())
    put = inspector.put(f"/api/v1/uploads/{uid}", data=data,
                        headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"})
    assert put.status_code == 200, put.get_json()
    pushed = inspector.post("/api/v1/sync/push", json={"device": "d", "writes": [
        {"id": visit, "op": "visit.create", "body": {"kind": "experience", "point_id": window.id, "title": "体验"}},
        {"id": str(uuid.uuid4()), "op": "visit.record", "body": {"visit_uuid": visit, "photos": [uid]}}]})
    assert [r["status"] for r in pushed.get_json()["results"]] == ["applied", "applied"], pushed.get_json()
    return f"/api/v1/uploads/{uid}/content"


def _case_photo(inspector, window: Point) -> str:
    case = open_case(channel="window_code", summary="窗口办事推诿，材料反复退回",
                     jurisdiction_id=window.jurisdiction_id, point_id=window.id)
    db.session.commit()
    sent = inspector.post(f"/api/v1/cases/{case.id}/attachments", data={"file": (io.BytesIO(jpeg()), "现场.jpg")},
                          content_type="multipart/form-data")
    assert sent.status_code == 201, sent.get_json()
    return sent.get_json()["url"]


def test_every_photo_is_served_for_no_cache_to_keep(app, client, as_user):
    inspector, enterprise = as_user("inspector"), as_user("enterprise")
    window = db.session.scalar(select(Point).where(Point.type == "window", Point.active).order_by(Point.id))
    report = _report_photo(client)
    report_id = int(report.split("/")[4])
    from jiandu.intake.models import Photo

    photo_id = db.session.scalar(select(Photo.id).where(Photo.report_id == report_id))
    owners = {report + str(photo_id): inspector, _blocker_photo(enterprise): enterprise,
              _field_photo(inspector, window): inspector, _case_photo(inspector, window): inspector}
    for url, reader in owners.items():
        response = reader.get(url)
        assert response.status_code == 200 and response.mimetype == "image/jpeg", url
        assert response.headers["Cache-Control"] == "no-store", url


def test_a_template_preview_that_is_nobodys_data_may_still_be_cached(as_user):
    from jiandu.config import ROOT

    name = next(p.parent.name for p in sorted((ROOT / "qr-templates").glob("*/preview.png")))
    preview = as_user("admin").get(f"/api/v1/signs/templates/{name}/preview.png")
    assert preview.status_code == 200 and "public" in preview.headers["Cache-Control"]
