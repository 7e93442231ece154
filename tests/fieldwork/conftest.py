"""Fixtures of fieldwork's tests: photos in a temp dir, a checklist, a point, writes and uploads."""
from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import select

from jiandu.cases.service import open_case
from jiandu.extensions import db
from jiandu.org.models import Point, User


@pytest.fixture(autouse=True)
def _uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    yield tmp_path / "uploads"


def new_id() -> str:
    return str(uuid.uuid4())


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def photo_bytes(size=(800, 600), color=(30, 120, 200), gps=True) -> bytes:
    image = Image.new("RGB", size, color)
    # Some texture, so that the JPEG is not trivially small.
    for x in range(0, size[0], 7):
        for y in range(0, size[1], 11):
            image.putpixel((x, y), ((x * 3) % 256, (y * 5) % 256, (x + y) % 256))
    out = io.BytesIO()
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (40.0, 39.0, 30.0)}
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


@pytest.fixture
def window(app):
    """A window of the city market-regulation department (the demo handler's)."""
    handler = user("handler")
    return db.session.scalar(select(Point).where(Point.department_id == handler.unit_id, Point.type == "window",
                                                 Point.active).order_by(Point.id))


CHECKLIST = {
    "title": "窗口“一次告知”落实情况",
    "problem": "群众反映材料多次退回、补正不一次告知",
    "items": [
        {"kind": "yes_no", "label": "是否公示办事指南", "guidance": "查看窗口及网站是否公示最新版办事指南"},
        {"kind": "single", "label": "一次性告知单使用情况", "options": ["全部使用", "部分使用", "未使用"]},
        {"kind": "multiple", "label": "发现的问题", "options": ["材料反复", "超时", "态度"], "required": False},
        {"kind": "number", "label": "抽查办件数", "guidance": "抽查最近一周的办件"},
        {"kind": "text", "label": "其他情况", "required": False},
        {"kind": "photo", "label": "现场照片", "guidance": "拍摄窗口公示栏"},
    ],
}


@pytest.fixture
def inspector(as_user):
    return as_user("inspector")


@pytest.fixture
def template(inspector):
    response = inspector.post("/api/v1/checklist-templates", json=CHECKLIST)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def upload(api, data: bytes, uid: str | None = None, chunk: int = 64 * 1024) -> str:
    uid = uid or new_id()
    for start in range(0, len(data), chunk):
        part = data[start:start + chunk]
        response = api.put(f"/api/v1/uploads/{uid}", data=part,
                           headers={"Content-Range": f"bytes {start}-{start + len(part) - 1}/{len(data)}"})
        assert response.status_code == 200, response.get_json()
    return uid


def answers_for(template: dict, photo: str, yes: bool = False) -> list[dict]:
    items = {i["kind"]: i["id"] for i in template["items"]}
    return [
        {"item_id": items["yes_no"], "value": yes, "note": "公示栏为旧版"},
        {"item_id": items["single"], "value": "部分使用"},
        {"item_id": items["multiple"], "value": ["材料反复", "超时"]},
        {"item_id": items["number"], "value": 12},
        {"item_id": items["text"], "value": "窗口人员不足"},
        {"item_id": items["photo"], "photos": [photo]},
    ]


def push(api, *writes, device="test-device"):
    response = api.post("/api/v1/sync/push", json={"device": device, "writes": list(writes)})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def make_case_at(app):
    def make(point, summary="窗口办事推诿，材料反复退回"):
        case = open_case(channel="window_code", summary=summary, jurisdiction_id=point.jurisdiction_id,
                         point_id=point.id, department_id=point.department_id)
        db.session.commit()
        return case

    return make
