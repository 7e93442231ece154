"""Findings: a problem found on a visit, or a "no" on a checklist item, becomes a report and a case (受理)."""
from __future__ import annotations

from sqlalchemy import select

from jiandu.cases.service import open_case
from jiandu.errors import ApiError, Invalid, NotFound
from jiandu.extensions import db
from jiandu.fieldwork.common import STAFF, dumps, read_int, read_photos, read_text, require_role
from jiandu.fieldwork.models import Answer, AnswerSet, ChecklistTask, Finding, Visit
from jiandu.files.uploads import require_photos
from jiandu.fieldwork.visits import DependencyMissing, place, resolve_visit
from jiandu.intake.filing import file_report, report_category
from jiandu.org.models import Point, User
from jiandu.org.scope import is_visible, visible
from jiandu.timeutil import utcnow


def _project_point(project_id: int) -> Point | None:
    return db.session.scalar(select(Point).where(Point.project_id == project_id)
                             .order_by(Point.active.desc(), Point.id))


def create_finding(user: User, data: dict, *, client_uuid: str) -> Finding:
    """A problem found on a visit or a "no" on a checklist item becomes a report and a case (受理)."""
    require_role(user, *STAFF)
    visit = resolve_visit(user, data)
    answer = None
    if data.get("answer_id") is not None or data.get("answer_set_uuid"):
        answer = _answer_for(user, data)
        if visit is None and answer.answer_set.visit_id is not None:
            visit = db.session.get(Visit, answer.answer_set.visit_id)
    description = read_text(data.get("description"), "description", 2000, required=True)
    if len(description) < 4:
        raise Invalid({"description": "请至少写 4 个字说明问题"})
    category = _category(read_text(data.get("category"), "category", 32))
    photos = read_photos(data.get("photos"), "photos")
    point, project_id, jurisdiction_id, department_id = _where(user, data, visit, answer)
    stored = require_photos(user, photos)
    channel = "checklist" if answer is not None else "field_visit"
    case = open_case(channel=channel, summary=description[:200], jurisdiction_id=jurisdiction_id,
                     point_id=point.id if point else None, department_id=department_id, project_id=project_id,
                     category=category.code if category else None,
                     case_type=category.case_type if category else "work_style",
                     public_note="监督检查发现的问题已受理")
    report = None
    if point is not None:
        report = file_report(point, jurisdiction_id, department_id, project_id,
                             category.code if category else None, description, stored, case.id, "field_visit")
    finding = Finding(client_uuid=client_uuid, visit_id=visit.id if visit else None,
                      answer_id=answer.id if answer else None, point_id=point.id if point else None,
                      project_id=project_id, jurisdiction_id=jurisdiction_id, department_id=department_id,
                      author_id=user.id, category=category.code if category else None, description=description,
                      photo_uuids=dumps(photos) if photos else None, report_id=report.id if report else None,
                      case_id=case.id)
    db.session.add(finding)
    if answer is not None:
        answer.case_id = case.id
    if visit is not None:
        visit.updated_at = utcnow()
    db.session.flush()
    return finding


def _where(user: User, data: dict, visit: Visit | None, answer: Answer | None):
    """Where a finding was made: its point (a project's own point when only the project is known),
    project, jurisdiction and department."""
    if visit is not None:
        point, project_id = visit.point, visit.project_id
    elif answer is not None:
        owner = answer.answer_set
        task = db.session.get(ChecklistTask, owner.task_id) if owner.task_id else None
        point = task.point if task and task.point_id else None
        project_id = owner.project_id
    else:
        point, project = place(user, data)
        project_id = project.id if project else None
    if point is None and project_id is not None:
        point = _project_point(project_id)
    if point:
        jurisdiction_id = point.jurisdiction_id
    else:
        jurisdiction_id = visit.jurisdiction_id if visit else answer.answer_set.jurisdiction_id
    department_id = point.department_id if point else (answer.answer_set.department_id if answer else None)
    return point, project_id, jurisdiction_id, department_id


def _category(code: str | None):
    if not code:
        return None
    category = report_category(code)
    if category is None:
        raise Invalid({"category": "未知的问题类别"})
    return category


def _answer_for(user: User, data: dict) -> Answer:
    if data.get("answer_id") is not None:
        answer = db.session.get(Answer, read_int(data.get("answer_id"), "answer_id"))
        if answer is None or not is_visible(user, AnswerSet, answer.answer_set_id):
            raise NotFound("答案")
    else:
        answer_set_uuid = str(data["answer_set_uuid"])
        answer_set = db.session.scalar(visible(user, AnswerSet).where(AnswerSet.client_uuid == answer_set_uuid))
        if answer_set is None:
            raise DependencyMissing("清单答案")
        answer = next((a for a in answer_set.answers if a.item_id == data.get("item_id")), None)
        if answer is None:
            raise Invalid({"item_id": "该题没有答案"})
    if answer.case_id is not None:
        raise ApiError(409, "already_case", "该项已转为案件")
    return answer
