"""Fieldwork's write kinds for the offline outbox: visits, visit records, answers, findings, and the
action on a case taken on the spot. Registered with the sync engine by fieldwork's `setup`."""
from __future__ import annotations

from jiandu import sync_registry
from jiandu.cases import service as cases
from jiandu.cases.models import Case
from jiandu.errors import Invalid
from jiandu.extensions import db
from jiandu.fieldwork import service


def _visit_create(user, body, key):
    visit = service.create_visit(user, body, client_uuid=key)
    return {"visit_id": visit.id}


def _visit_record(user, body, key):
    record = service.record_visit(user, body, client_uuid=key)
    return {"visit_id": record.visit_id, "record_id": record.id}


def _answers_submit(user, body, key):
    answer_set = service.submit_answers(user, body, client_uuid=key)
    return {"answer_set_id": answer_set.id, "answers": {str(a.item_id): a.id for a in answer_set.answers},
            "task_id": answer_set.task_id, "visit_id": answer_set.visit_id}


def _finding_create(user, body, key):
    finding = service.create_finding(user, body, client_uuid=key)
    case = db.session.get(Case, finding.case_id)
    return {"finding_id": finding.id, "report_id": finding.report_id, "case_id": case.id, "case_number": case.number}


def _case_act(user, body, key):
    case_id = body.get("case_id")
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        raise Invalid({"case_id": "请指明案件"})
    case = cases.get_case(user, case_id)
    fields = body.get("fields") or {}
    if not isinstance(fields, dict):
        raise Invalid({"fields": "格式不正确"})
    cases.act(user, case, str(body.get("action")), fields, version=body.get("version"))
    db.session.flush()  # UPDATE … WHERE version = old: a race lost here is a conflict too
    return {"case_id": case.id, "state": case.state, "version": case.version}


# Appends whose service functions check everything before they add a row run without a savepoint.
OPERATIONS = {
    "visit.create": (_visit_create, True),
    "visit.record": (_visit_record, True),
    "answers.submit": (_answers_submit, True),
    "finding.create": (_finding_create, False),
    "case.act": (_case_act, False),
}


def register() -> None:
    for op, (handler, append_only) in OPERATIONS.items():
        sync_registry.register(op, handler, append_only=append_only)
