"""Helpers for the projects tests: demo users, a fresh project with departments, its enterprise user."""
from __future__ import annotations

import io
import itertools

import pytest
from PIL import Image
from sqlalchemy import select

from jiandu.extensions import db
from jiandu.org.models import Jurisdiction, Project, Unit, User
from jiandu.projects import credit_code
from jiandu.security import hash_password

PASSWORD = "jiandu-demo"
OWNER_CODE = credit_code.make("150207", "MA0QH7K4")
BUILDER_CODE = credit_code.make("150203", "MA0N2R5C")
_serial = itertools.count(1)


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def jurisdiction(name: str) -> Jurisdiction:
    return db.session.scalar(select(Jurisdiction).where(Jurisdiction.name == name))


def departments_of(jurisdiction_name: str, count: int = 2) -> list[Unit]:
    j = jurisdiction(jurisdiction_name)
    return list(db.session.scalars(select(Unit).where(Unit.kind == "department", Unit.jurisdiction_id == j.id)
                                   .order_by(Unit.id).limit(count)))


def project_body(jurisdiction_name: str = "九原区", **extra) -> dict:
    n = next(_serial)
    body = {"name": f"测试项目{n}", "project_code": f"2025-150207-39-03-9{n:05d}",
            "owner_enterprise": "包头测试新材料有限公司", "owner_credit_code": OWNER_CODE,
            "construction_enterprise": "内蒙古测试建工有限公司", "construction_credit_code": BUILDER_CODE,
            "jurisdiction_id": jurisdiction(jurisdiction_name).id, "location": "包头市九原区测试路1号",
            "investment_wan": 12000, "stage": "construction_permit_prep",
            "department_ids": [u.id for u in departments_of(jurisdiction_name)],
            "liaison_name": "王志刚", "liaison_phone": "13900000000"}
    body.update(extra)
    return body


@pytest.fixture
def make_project(app):
    """A project created through the service as the city admin, committed (savepoint)."""
    from jiandu.projects import service
    from jiandu.projects.registry_bodies import ProjectIn

    def make(jurisdiction_name: str = "九原区", **extra) -> Project:
        project = service.create_project(user("admin"), ProjectIn().load(project_body(jurisdiction_name, **extra)))
        db.session.commit()
        return project

    return make


@pytest.fixture
def make_enterprise(app):
    """An enterprise account of a project (signed in with as_user(username))."""

    def make(project: Project, username: str | None = None) -> User:
        account = User(username=username or f"ent-{project.id}-{next(_serial)}", display_name="企业用户",
                       role="enterprise", password_hash=hash_password(PASSWORD),
                       jurisdiction_id=project.jurisdiction_id, project_id=project.id)
        db.session.add(account)
        db.session.commit()
        return account

    return make


def jpeg_bytes(size=(64, 48), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:600])
    body = response.get_json()
    assert set(body) == {"error"}, body
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]
