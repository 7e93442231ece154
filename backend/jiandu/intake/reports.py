"""The staff's view of reports: lists in their scope, one report, its photos, and the audited reveal of
a reporter's contact."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import joinedload, selectinload

from jiandu import audit
from jiandu.errors import NotFound
from jiandu.files import photos as photo_lib
from jiandu.intake.models import Photo, Report
from jiandu.intake.roles import CONTACT_ROLES, READ_ROLES, require_role
from jiandu.org.models import Point, User
from jiandu.org.scope import get_visible, visible
from jiandu.security import decrypt_contact


@dataclass
class ReportFilters:
    kind: str | None = None
    rating_min: int | None = None
    rating_max: int | None = None
    category: str | None = None
    point_id: int | None = None
    department_id: int | None = None
    has_case: bool | None = None
    since_id: int | None = None
    q: str | None = None


def reports_query(user: User, f: ReportFilters):
    require_role(user, *READ_ROLES)
    statement = visible(user, Report).options(
        joinedload(Report.point).joinedload(Point.hall), joinedload(Report.case), selectinload(Report.photos))
    if f.kind:
        statement = statement.where(Report.kind == f.kind)
    if f.rating_min is not None:
        statement = statement.where(Report.rating >= f.rating_min)
    if f.rating_max is not None:
        statement = statement.where(Report.rating <= f.rating_max)
    if f.category:
        statement = statement.where(Report.category == f.category)
    if f.point_id:
        statement = statement.where(Report.point_id == f.point_id)
    if f.department_id:
        statement = statement.where(Report.department_id == f.department_id)
    if f.has_case is not None:
        statement = statement.where(Report.case_id.is_not(None) if f.has_case else Report.case_id.is_(None))
    if f.since_id:
        statement = statement.where(Report.id > f.since_id)
    if f.q:
        statement = statement.where(Report.description.contains(f.q[:50]))
    return statement.order_by(Report.id.desc())


def get_report(user: User, report_id: int) -> Report:
    require_role(user, *READ_ROLES)
    return get_visible(user, Report, report_id, "反映")


def reveal_contact(user: User, report_id: int) -> dict:
    """The reporter's name and phone for the roles that need them; every reveal is an audit event."""
    report = get_report(user, report_id)
    require_role(user, *CONTACT_ROLES)
    if report.anonymous or not report.has_contact:
        raise NotFound("实名联系方式")
    audit.record(user.id, "contact_reveal", report, case_id=report.case_id)
    return {"report_id": report.id, "name": decrypt_contact(report.contact_name_enc),
            "phone": decrypt_contact(report.contact_phone_enc)}


def photo_of(user: User, report_id: int, photo_id: int) -> tuple[Photo, bytes]:
    report = get_report(user, report_id)
    photo = next((p for p in report.photos if p.id == photo_id), None)
    if photo is None:
        raise NotFound("照片")
    return photo, photo_lib.storage().load(photo.storage_key)
