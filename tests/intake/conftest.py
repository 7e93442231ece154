"""Fixtures of intake's tests: anonymous and signed-in clients over https, points, photos."""
from __future__ import annotations

import io
import re
import uuid

import pytest
from PIL import Image
from sqlalchemy import select

from jiandu.extensions import db
from jiandu.intake import cache
from jiandu.org.models import Jurisdiction, Point, User
from tests.conftest import PASSWORD, ApiClient


def _https(flask_client):
    flask_client.environ_base["wsgi.url_scheme"] = "https"
    flask_client.environ_base["HTTP_HOST"] = "localhost"
    return flask_client


@pytest.fixture(autouse=True)
def _uploads(app, tmp_path, monkeypatch):
    """Photos of each test go to its own temp dir, never to instance/; no page cache unless a test wants it
    (each test's database changes are rolled back, a cache would outlive them)."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "INTAKE_PAGE_CACHE_SECONDS", 0)
    cache.clear()
    yield tmp_path / "uploads"
    cache.clear()


@pytest.fixture
def anon(app):
    """A citizen's browser: no account, https."""
    return _https(app.test_client())


@pytest.fixture
def staff(app):
    """staff("inspector") → an ApiClient signed in as that demo account (over https)."""

    def sign_in(username: str) -> ApiClient:
        api = ApiClient(_https(app.test_client()))
        response = api.login(username, PASSWORD)
        assert response.status_code == 200, response.get_json()
        return api

    return sign_in


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture
def window(app) -> Point:
    """A window of the city hall whose department the demo handler belongs to."""
    handler = user("handler")
    return db.session.scalar(select(Point).where(Point.type == "window", Point.department_id == handler.unit_id,
                                                 Point.active).order_by(Point.id))


@pytest.fixture
def county_window(app) -> Point:
    """A window in the county inspector's county."""
    county = user("county-inspector").jurisdiction
    return db.session.scalar(select(Point).join(Jurisdiction, Point.jurisdiction_id == Jurisdiction.id)
                             .where(Point.type == "window", Jurisdiction.path.startswith(county.path))
                             .order_by(Point.id))


@pytest.fixture
def website(app) -> Point:
    point = db.session.scalar(select(Point).where(Point.type == "website").order_by(Point.id))
    point.allowed_origins = "https://www.baotou.gov.cn\nhttp://gov.example.test"
    db.session.commit()
    return point


def key() -> str:
    return uuid.uuid4().hex


def image_bytes(fmt="JPEG", size=(640, 480), color=(200, 30, 30), exif=None, mode="RGB") -> bytes:
    image = Image.new(mode, size, color)
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def rating_token(client, point, headers=None) -> dict:
    """A rating token for `point` as an API client gets one: {"rating_token", "device", …}."""
    response = client.post("/api/v1/rating-tokens", json={"point_code": point.code}, headers=headers or {})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def page_rating_token(client, point) -> str:
    """The rating token the landing page puts in its rating form."""
    html = client.get(f"/q/{point.code}").get_data(as_text=True)
    return re.search(r'name="rating_token" value="([^"]+)"', html).group(1)


def new_device(client, point) -> dict:
    """A device the server issued, as the landing script sends it: {"X-Jiandu-Device": …}."""
    return {"X-Jiandu-Device": rating_token(client, point)["device"]}


@pytest.fixture
def submit(anon):
    """submit(point, **fields) → the API's response, with a fresh Idempotency-Key unless given, and for a
    rating a fresh rating token (for the device in `headers`, if any) unless given."""

    def send(point, headers=None, **fields):
        if fields.get("kind") == "rating" and "rating_token" not in fields and point is not None:
            given = anon.post("/api/v1/rating-tokens", json={"point_code": point.code}, headers=headers or {})
            if given.status_code == 201:  # none for a code that is unknown or off: the point is refused
                fields["rating_token"] = given.get_json()["rating_token"]
        body = {"point_code": point.code if point is not None else None, **fields}
        merged = {"Idempotency-Key": key(), **(headers or {})}
        return anon.post("/api/v1/reports", json=body, headers=merged)

    return send
