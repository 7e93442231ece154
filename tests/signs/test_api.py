"""The signs API on the session app: refusals come before anything is rendered or queued; codes
download as SVG and PNG; who may print and see what."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.queue import queue
from jiandu.signs.models import SignBatch
from tests.signs.conftest import BASE, hall_id, hall_points


@pytest.fixture
def no_jobs(app, monkeypatch):
    """Batches of these tests are recorded but never reach the shared Redis."""
    sent = []
    from jiandu.signs import service

    def fake_enqueue(batch):
        sent.append(batch.id)  # no job id: nothing for the print watch to look up
        return batch

    monkeypatch.setattr(service, "enqueue", fake_enqueue)
    return sent


def _count():
    return db.session.scalar(select(func.count()).select_from(SignBatch))


def test_templates_are_listed(as_user):
    response = as_user("admin").get("/api/v1/signs/templates")
    assert response.status_code == 200
    names = {t["name"] for t in response.get_json()}
    assert {"window-a4", "window-a5-2up", "tent-a6", "sticker-a4-12up", "sticker-a4-8up", "project-a3",
            "window-a4-mn"} <= names
    a5 = next(t for t in response.get_json() if t["name"] == "window-a5-2up")
    assert a5["per_page"] == 2 and a5["reading_distance_cm"] >= 50


def test_a_batch_is_recorded_and_queued(ctx, as_user, no_jobs):
    admin = as_user("admin")
    response = admin.post("/api/v1/signs/batches", json={"template": "window-a5-2up", "hall_id": hall_id()})
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["status"] == "queued" and body["total"] == len(hall_points()) and body["done"] == 0
    assert no_jobs == [body["id"]]
    assert admin.get(f"/api/v1/signs/batches/{body['id']}").get_json()["status"] == "queued"
    history = admin.get("/api/v1/signs/batches").get_json()
    assert history["items"][0]["id"] == body["id"]
    assert admin.get(f"/api/v1/signs/batches/{body['id']}/pdf").status_code == 409
    points = admin.get(f"/api/v1/signs/batches/{body['id']}/points").get_json()
    assert len(points) == body["total"] and points[0]["label"]


@pytest.mark.parametrize("payload, field, words", [
    ({"template": "no-such-template", "hall_id": 0}, "template", "没有名为"),
    ({"template": "window-a4"}, "points", "请选择"),
    ({"template": "window-a4", "point_ids": []}, "points", "请选择"),
    ({"template": "window-a4", "codes": ["NOSUCHCODE"]}, "codes", "不存在"),
    ({"template": "window-a4", "point_ids": [999999]}, "point_ids", "不存在"),
])
def test_bad_selections_are_refused_with_a_message(ctx, as_user, no_jobs, payload, field, words):
    if payload.get("hall_id") == 0:
        payload["hall_id"] = hall_id()
    before = _count()
    response = as_user("admin").post("/api/v1/signs/batches", json=payload)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert field in error["fields"] and words in error["fields"][field]
    assert _count() == before and no_jobs == []


def test_an_empty_hall_or_template_mismatch_is_refused(ctx, as_user, no_jobs):
    admin = as_user("admin")
    # project-a3 is for projects: a hall has none.
    response = admin.post("/api/v1/signs/batches", json={"template": "project-a3", "hall_id": hall_id()})
    assert response.status_code == 422 and "没有可印制的点位" in response.get_json()["error"]["message"]
    window = hall_points()[2]
    response = admin.post("/api/v1/signs/batches", json={"template": "project-a3", "point_ids": [window.id]})
    assert response.status_code == 422 and "只用于重大项目" in response.get_json()["error"]["message"]
    assert no_jobs == []


def test_deactivated_points_too_long_names_and_missing_glyphs_are_refused(ctx, as_user, no_jobs):
    admin = as_user("admin")
    a, b, c = hall_points()[1:4]
    a.active = False
    b.name = "不动产登记、抵押登记、预告登记与不动产权证书发放综合受理及咨询导办和帮办代办服务窗口"
    c.name = "综合受理窗口😀"
    db.session.commit()
    response = admin.post("/api/v1/signs/batches", json={"template": "window-a5-2up", "point_ids": [a.id, b.id, c.id]})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "3 个点位无法印制" in error["message"]
    messages = {p["point_id"]: p["message"] for p in error["problems"]}
    assert "已停用" in messages[a.id]
    assert "太长" in messages[b.id] and "放不下" in messages[b.id]
    assert "字体无法显示" in messages[c.id] and "😀" in messages[c.id]
    assert no_jobs == []


def test_the_bilingual_template_needs_a_mongolian_name(ctx, as_user, no_jobs):
    plain = next(p for p in hall_points() if not p.name_mn)
    response = as_user("admin").post("/api/v1/signs/batches",
                                     json={"template": "window-a4-mn", "point_ids": [plain.id]})
    assert response.status_code == 422 and "蒙古文名称" in response.get_json()["error"]["message"]


def test_check_answers_without_printing(ctx, as_user, no_jobs):
    response = as_user("admin").post("/api/v1/signs/check", json={"template": "sticker-a4-12up", "hall_id": hall_id()})
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == len(hall_points()) and body["pages"] == -(-body["total"] // 12)
    assert no_jobs == []


def test_only_administrators_print_and_each_sees_their_own_jurisdiction(ctx, as_user, no_jobs):
    made = as_user("admin").post("/api/v1/signs/batches", json={"template": "window-a4", "hall_id": hall_id()})
    batch_id = made.get_json()["id"]
    assert as_user("inspector").post("/api/v1/signs/batches",
                                     json={"template": "window-a4", "hall_id": hall_id()}).status_code == 403
    assert as_user("inspector").get("/api/v1/signs/batches").status_code == 403
    # 土默特右旗's administrator sees the hall (his banner) but not the city's batch.
    tyq = as_user("tyq-admin")
    assert tyq.get(f"/api/v1/signs/batches/{batch_id}").status_code == 404
    assert batch_id not in [b["id"] for b in tyq.get("/api/v1/signs/batches").get_json()["items"]]
    own = tyq.post("/api/v1/signs/batches", json={"template": "window-a4", "hall_id": hall_id()})
    assert own.status_code == 202
    assert own.get_json()["id"] in [b["id"] for b in as_user("admin").get("/api/v1/signs/batches").get_json()["items"]]
    # 昆都仑区's administrator cannot reach the banner's hall at all.
    assert as_user("kdl-admin").post("/api/v1/signs/batches",
                                     json={"template": "window-a4", "hall_id": hall_id()}).status_code == 404


def test_a_failed_enqueue_leaves_a_failed_batch_that_can_be_restarted(ctx, as_user, monkeypatch):
    from jiandu.signs import service

    def broken(name="default"):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(service, "queue", broken)  # the name signs.service enqueues through
    admin = as_user("admin")
    response = admin.post("/api/v1/signs/batches", json={"template": "window-a4", "hall_id": hall_id()})
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "failed" and "Redis" in body["error"]
    sent = []
    monkeypatch.setattr(service, "enqueue", lambda batch: sent.append(batch.id) or batch)
    again = admin.post(f"/api/v1/signs/batches/{body['id']}/retry")
    assert again.status_code == 202 and again.get_json()["status"] == "queued" and sent == [body["id"]]
    assert admin.post(f"/api/v1/signs/batches/{body['id']}/retry").status_code == 409


def test_a_single_code_downloads_as_png_and_svg(ctx, as_user):
    from PIL import Image
    from pyzbar.pyzbar import decode

    point = hall_points()[5]
    admin = as_user("admin")
    png = admin.get(f"/api/v1/points/{point.id}/qr.png?scale=8")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert [d.data.decode() for d in decode(Image.open(io.BytesIO(png.data)))] == [f"{BASE}/q/{point.code}"]
    svg = admin.get(f"/api/v1/points/{point.id}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    text = svg.data.decode()
    assert "<path" in text and point.code in text and "mm" in text
    assert as_user("kdl-admin").get(f"/api/v1/points/{point.id}/qr.png").status_code == 404


def test_a_preview_is_a_png_of_the_sign(ctx, as_user):
    from PIL import Image
    from pyzbar.pyzbar import decode

    point = hall_points()[6]
    response = as_user("admin").get(f"/api/v1/signs/preview.png?template=window-a4&point_id={point.id}&dpi=100")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert [d.data.decode() for d in decode(Image.open(io.BytesIO(response.data)))] == [f"{BASE}/q/{point.code}"]
    bad = as_user("admin").get(f"/api/v1/signs/preview.png?template=nope&point_id={point.id}")
    assert bad.status_code == 422


def test_the_template_sample_images_are_served(as_user):
    response = as_user("admin").get("/api/v1/signs/templates/window-a4/preview.png")
    assert response.status_code in (200, 404)  # made by test_templates; present once it has run
    assert as_user("admin").get("/api/v1/signs/templates/../../etc/preview.png").status_code == 404


def test_queue_is_print(app):
    with app.app_context():
        assert queue("print").name == "print"
