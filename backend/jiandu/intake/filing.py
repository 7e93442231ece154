"""Reports filed by another channel on someone's behalf (a finding on a visit, a "no" on a checklist):
the one way for them into intake's tables, so that no other package writes a `Report` or its photos."""
from __future__ import annotations

from sqlalchemy import select

from jiandu.extensions import db
from jiandu.intake.models import Photo, Report, ReportCategory
from jiandu.intake.service import ensure_seeded
from jiandu.org.models import Point
from jiandu.timeutil import utcnow


def report_category(code: str) -> ReportCategory | None:
    """A category by its code; a fresh installation gets the default categories on first use."""
    ensure_seeded()
    return db.session.scalar(select(ReportCategory).where(ReportCategory.code == code))


def file_report(point: Point, jurisdiction_id: int, department_id: int | None, project_id: int | None,
                category: str | None, description: str, photos: list, case_id: int,
                channel: str) -> Report:
    """An anonymous report of `point` for the case already opened for it. `photos` are uploads already
    checked and stored (jiandu.files' resumable uploads): the report gets rows of its own for them."""
    report = Report(point_id=point.id, jurisdiction_id=jurisdiction_id, department_id=department_id,
                    project_id=project_id, kind="report", category=category, description=description,
                    anonymous=True, case_id=case_id, channel=channel, client="api", lang="zh", created_at=utcnow())
    db.session.add(report)
    db.session.flush()
    for photo in photos:
        db.session.add(Photo(report_id=report.id, storage_key=photo.storage_key, content_type=photo.content_type,
                             width=photo.width, height=photo.height, size=photo.stored_size, sha256=photo.sha256))
    return report
