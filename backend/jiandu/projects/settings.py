"""The settings of approvals, payments and invitations: the defaults of `rules`, as the admin changed them."""
from __future__ import annotations

from sqlalchemy import select

from jiandu import audit
from jiandu.errors import Invalid
from jiandu.extensions import db
from jiandu.org.models import User
from jiandu.projects import rules
from jiandu.projects.common import require_role
from jiandu.projects.models import ProjectSetting


def settings() -> dict:
    stored = dict(db.session.execute(select(ProjectSetting.key, ProjectSetting.value)).all())
    return {**rules.DEFAULT_SETTINGS, **{k: v for k, v in stored.items() if k in rules.DEFAULT_SETTINGS}}


def set_settings(actor: User, data: dict) -> dict:
    require_role(actor, "admin")
    """Some settings (loaded by bodies.ProjectSettingsIn) → every setting after the change."""
    values = {key: value for key, value in data.items() if key in rules.DEFAULT_SETTINGS}
    merged = {**settings(), **values}
    if merged["payment_government_days"] > merged["payment_max_days"]:
        raise Invalid({"payment_government_days": "机关事业单位付款期限不能长于合同约定上限"})
    for key, value in values.items():
        row = db.session.scalar(select(ProjectSetting).where(ProjectSetting.key == key))
        if row is None:
            row = ProjectSetting(key=key, value=value)
            db.session.add(row)
        row.value, row.updated_by = value, actor.id
    audit.record(actor.id, "project_settings", None, **values)
    return merged
