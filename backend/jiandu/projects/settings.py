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
from jiandu.projects.parsing import read_int


def settings() -> dict:
    stored = dict(db.session.execute(select(ProjectSetting.key, ProjectSetting.value)).all())
    return {**rules.DEFAULT_SETTINGS, **{k: v for k, v in stored.items() if k in rules.DEFAULT_SETTINGS}}


def set_settings(actor: User, data: dict) -> dict:
    require_role(actor, "admin")
    errors, values = {}, {}
    for key, value in (data or {}).items():
        if key not in rules.DEFAULT_SETTINGS:
            errors[key] = "未知的设置项"
            continue
        low, high = rules.SETTING_RANGES[key]
        number = read_int(data, key, errors, required=True, low=low, high=high, label=rules.SETTING_LABELS[key])
        if number is not None:
            values[key] = number
    merged = {**settings(), **values}
    if merged["payment_government_days"] > merged["payment_max_days"]:
        errors["payment_government_days"] = "机关事业单位付款期限不能长于合同约定上限"
    if errors:
        raise Invalid(errors)
    for key, value in values.items():
        row = db.session.scalar(select(ProjectSetting).where(ProjectSetting.key == key))
        if row is None:
            row = ProjectSetting(key=key, value=value)
            db.session.add(row)
        row.value, row.updated_by = value, actor.id
    audit.record(actor.id, "project_settings", None, **values)
    return merged
