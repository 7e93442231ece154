"""How fieldwork's records read in an answer (the online API and the sync pull alike)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from jiandu.extensions import db
from jiandu.fieldwork.common import loads
from jiandu.fieldwork.models import AnswerSet, ChecklistTask, ChecklistTemplate, Finding, Visit, VisitRecord
from jiandu.fieldwork.tasks import task_warning
from jiandu.org.models import User
from jiandu.org.scope import visible


def template_view(template: ChecklistTemplate) -> dict:
    return {
        "id": template.id, "code": template.code, "version": template.version, "title": template.title,
        "problem": template.problem, "current": template.current, "jurisdiction_id": template.jurisdiction_id,
        "created_at": template.created_at, "updated_at": template.updated_at,
        "items": [{"id": i.id, "position": i.position, "kind": i.kind, "label": i.label, "guidance": i.guidance,
                   "options": loads(i.options), "required": i.required} for i in template.items],
    }



def answer_view(answer_set: AnswerSet) -> dict:
    return {"id": answer_set.id, "uuid": answer_set.client_uuid, "kind": answer_set.kind,
            "template_id": answer_set.template_id, "task_id": answer_set.task_id, "visit_id": answer_set.visit_id,
            "author_id": answer_set.author_id, "created_at": answer_set.created_at,
            "answers": [{"id": a.id, "item_id": a.item_id, "value": loads(a.value), "note": a.note,
                         "photos": loads(a.photo_uuids, []), "negative": a.negative, "case_id": a.case_id}
                        for a in answer_set.answers]}



def visit_view(visit: Visit, *, detail: bool = False, viewer: User | None = None) -> dict:
    """A visit; in detail (for `viewer`) with its records, answers and the findings the viewer may see."""
    view = {
        "id": visit.id, "uuid": visit.client_uuid, "kind": visit.kind, "title": visit.title,
        "point_id": visit.point_id, "project_id": visit.project_id, "template_id": visit.template_id,
        "jurisdiction_id": visit.jurisdiction_id, "inspector_id": visit.inspector_id, "state": visit.state,
        "planned_for": visit.planned_for.isoformat() if visit.planned_for else None,
        "place": (visit.point.name if visit.point else visit.project.name if visit.project else None),
        "created_at": visit.created_at, "updated_at": visit.updated_at,
    }
    if detail:
        records = db.session.scalars(select(VisitRecord).where(VisitRecord.visit_id == visit.id)
                                     .order_by(VisitRecord.id))
        view["records"] = [{"id": r.id, "uuid": r.client_uuid, "latitude": r.latitude, "longitude": r.longitude,
                            "accuracy_m": r.accuracy_m, "notes": r.notes, "photos": loads(r.photo_uuids, []),
                            "started_at": r.started_at, "finished_at": r.finished_at} for r in records]
        view["answer_sets"] = [answer_view(a) for a in db.session.scalars(
            visible(viewer, AnswerSet).where(AnswerSet.visit_id == visit.id).order_by(AnswerSet.id))]
        view["findings"] = [finding_view(f) for f in db.session.scalars(
            visible(viewer, Finding).where(Finding.visit_id == visit.id).order_by(Finding.id))]
    return view



def finding_view(finding: Finding) -> dict:
    return {"id": finding.id, "uuid": finding.client_uuid, "visit_id": finding.visit_id,
            "answer_id": finding.answer_id, "point_id": finding.point_id, "project_id": finding.project_id,
            "category": finding.category, "description": finding.description,
            "photos": loads(finding.photo_uuids, []), "report_id": finding.report_id, "case_id": finding.case_id,
            "created_at": finding.created_at}


def task_view(task: ChecklistTask, now: datetime | None = None) -> dict:
    return {"id": task.id, "batch": task.batch, "template_id": task.template_id, "unit_id": task.unit_id,
            "unit": task.unit.name if task.unit else None, "point_id": task.point_id,
            "point": task.point.name if task.point else None, "state": task.state,
            "issued_at": task.issued_at, "due_at": task.due_at,
            "due_provisional": task.due_provisional, "warning": task_warning(task, now),
            "answered_at": task.answered_at, "spot_checked_at": task.spot_checked_at,
            "note": task.note}
