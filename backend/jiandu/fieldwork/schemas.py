"""Shapes of fieldwork's answers for the OpenAPI document: checklists, tasks and the ledger, visits, the sync
protocol, resumable uploads. What the routes take is in jiandu.fieldwork.bodies."""
from marshmallow import INCLUDE, Schema, fields

from jiandu.cases.schemas import CaseLedgerItem
from jiandu.fieldwork.models import ITEM_KINDS, TASK_STATES, UPLOAD_STATES, VISIT_STATES
from jiandu.pagination import page_schema
from jiandu.timeutil import UtcDateTime

WARNINGS = ("none", "yellow", "red")
SYNC_STATUSES = ("applied", "duplicate", "conflict", "rejected")


def _enum(values) -> dict:
    return {"enum": list(values)}


# --- checklist templates ----------------------------------------------------------------------------

class ChecklistItemView(Schema):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    kind = fields.String(required=True, metadata=_enum(ITEM_KINDS))
    label = fields.String(required=True)
    guidance = fields.String(required=True, allow_none=True)
    options = fields.List(fields.String(), required=True, allow_none=True,
                          metadata={"description": "the choices of a single or multiple item; null otherwise"})
    required = fields.Boolean(required=True)


class ChecklistTemplateView(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "shared by every version of the checklist"})
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    problem = fields.String(required=True, allow_none=True,
                            metadata={"description": "the recurring problem the checklist was born from"})
    current = fields.Boolean(required=True, metadata={"description": "the newest version of its code"})
    jurisdiction_id = fields.Integer(required=True)
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)
    items = fields.List(fields.Nested(ChecklistItemView), required=True)


ChecklistTemplatePage = page_schema(ChecklistTemplateView, "ChecklistTemplatePage")


# --- tasks and the ledger ------------------------------------------------------------------------------

class ChecklistTaskView(Schema):
    id = fields.Integer(required=True)
    batch = fields.String(required=True, metadata={"description": "groups the tasks of one issuing"})
    template_id = fields.Integer(required=True)
    unit_id = fields.Integer(required=True, allow_none=True)
    unit = fields.String(required=True, allow_none=True, metadata={"description": "the unit's name"})
    point_id = fields.Integer(required=True, allow_none=True)
    point = fields.String(required=True, allow_none=True, metadata={"description": "the point's name"})
    state = fields.String(required=True, metadata=_enum(TASK_STATES))
    issued_at = UtcDateTime(required=True)
    due_at = UtcDateTime(required=True)
    due_provisional = fields.Boolean(required=True)
    warning = fields.String(required=True, metadata=_enum(WARNINGS))
    answered_at = UtcDateTime(required=True, allow_none=True)
    spot_checked_at = UtcDateTime(required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)


class ChecklistIssueResult(Schema):
    batch = fields.String(required=True)
    count = fields.Integer(required=True)
    items = fields.List(fields.Nested(ChecklistTaskView), required=True)


class ChecklistLedgerRow(ChecklistTaskView):
    answer_sets = fields.Integer(required=True, metadata={"description": "how many answer sets the task has"})


class ChecklistLedgerCounts(Schema):
    """Tasks of the filter by state and warning (state and warning filters left out)."""

    issued = fields.Integer(required=True)
    answered = fields.Integer(required=True)
    spot_checked = fields.Integer(required=True)
    red = fields.Integer(required=True)
    yellow = fields.Integer(required=True)


class ChecklistLedgerPage(Schema):
    items = fields.List(fields.Nested(ChecklistLedgerRow), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    counts = fields.Nested(ChecklistLedgerCounts, required=True)


class ChecklistAnswerView(Schema):
    id = fields.Integer(required=True)
    item_id = fields.Integer(required=True)
    value = fields.Raw(required=True, allow_none=True,
                       metadata={"description": "boolean, choice, list of choices, number or text, by the item's kind"})
    note = fields.String(required=True, allow_none=True)
    photos = fields.List(fields.String(), required=True, metadata={"description": "photo UUIDs"})
    negative = fields.Boolean(required=True, metadata={"description": "a \"no\": can become a case"})
    case_id = fields.Integer(required=True, allow_none=True)


class ChecklistAnswerSetView(Schema):
    id = fields.Integer(required=True)
    uuid = fields.String(required=True)
    kind = fields.String(required=True, metadata=_enum(("self_check", "inspection")))
    template_id = fields.Integer(required=True)
    task_id = fields.Integer(required=True, allow_none=True)
    visit_id = fields.Integer(required=True, allow_none=True)
    author_id = fields.Integer(required=True)
    created_at = UtcDateTime(required=True)
    answers = fields.List(fields.Nested(ChecklistAnswerView), required=True)


class ChecklistTaskDetail(ChecklistTaskView):
    template = fields.Nested(ChecklistTemplateView, required=True)
    answer_sets = fields.List(fields.Nested(ChecklistAnswerSetView), required=True)


class FindingCreated(Schema):
    finding_id = fields.Integer(required=True)
    report_id = fields.Integer(required=True, allow_none=True,
                               metadata={"description": "null when the finding has no point"})
    case_id = fields.Integer(required=True)
    case_number = fields.String(required=True)


# --- visits -----------------------------------------------------------------------------------------------

class VisitKindView(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(required=True, allow_none=True)


class VisitKindList(Schema):
    items = fields.List(fields.Nested(VisitKindView), required=True)


class FieldVisitView(Schema):
    id = fields.Integer(required=True)
    uuid = fields.String(required=True, allow_none=True,
                         metadata={"description": "the device's UUID of a visit started on the spot"})
    kind = fields.String(required=True)
    title = fields.String(required=True, allow_none=True)
    point_id = fields.Integer(required=True, allow_none=True)
    project_id = fields.Integer(required=True, allow_none=True)
    template_id = fields.Integer(required=True, allow_none=True)
    jurisdiction_id = fields.Integer(required=True)
    inspector_id = fields.Integer(required=True)
    state = fields.String(required=True, metadata=_enum(VISIT_STATES))
    planned_for = fields.String(required=True, allow_none=True, metadata={"format": "date"})
    place = fields.String(required=True, allow_none=True, metadata={"description": "the point's or project's name"})
    created_at = UtcDateTime(required=True)
    updated_at = UtcDateTime(required=True)


FieldVisitPage = page_schema(FieldVisitView, "FieldVisitPage")


class FieldVisitRecordView(Schema):
    id = fields.Integer(required=True)
    uuid = fields.String(required=True)
    latitude = fields.Float(required=True, allow_none=True)
    longitude = fields.Float(required=True, allow_none=True)
    accuracy_m = fields.Float(required=True, allow_none=True)
    notes = fields.String(required=True, allow_none=True)
    photos = fields.List(fields.String(), required=True)
    started_at = UtcDateTime(required=True, allow_none=True)
    finished_at = UtcDateTime(required=True, allow_none=True)


class FieldFindingView(Schema):
    id = fields.Integer(required=True)
    uuid = fields.String(required=True)
    visit_id = fields.Integer(required=True, allow_none=True)
    answer_id = fields.Integer(required=True, allow_none=True)
    point_id = fields.Integer(required=True, allow_none=True)
    project_id = fields.Integer(required=True, allow_none=True)
    category = fields.String(required=True, allow_none=True)
    description = fields.String(required=True)
    photos = fields.List(fields.String(), required=True)
    report_id = fields.Integer(required=True, allow_none=True)
    case_id = fields.Integer(required=True, allow_none=True)
    created_at = UtcDateTime(required=True)


class FieldVisitDetail(FieldVisitView):
    records = fields.List(fields.Nested(FieldVisitRecordView), required=True)
    answer_sets = fields.List(fields.Nested(ChecklistAnswerSetView), required=True)
    findings = fields.List(fields.Nested(FieldFindingView), required=True)


# --- the sync protocol ------------------------------------------------------------------------------------

class SyncWriteOutcome(Schema):
    """What a write made; which keys are there depends on its op (other capabilities register ops
    of their own, so more keys may come)."""

    class Meta:
        unknown = INCLUDE

    visit_id = fields.Integer(allow_none=True, metadata={"description": "visit.create, visit.record, answers.submit"})
    record_id = fields.Integer(metadata={"description": "visit.record"})
    answer_set_id = fields.Integer(metadata={"description": "answers.submit"})
    answers = fields.Dict(keys=fields.String(), values=fields.Integer(),
                          metadata={"description": "answers.submit: item id → answer id"})
    task_id = fields.Integer(allow_none=True, metadata={"description": "answers.submit"})
    finding_id = fields.Integer(metadata={"description": "finding.create"})
    report_id = fields.Integer(allow_none=True, metadata={"description": "finding.create"})
    case_id = fields.Integer(allow_none=True, metadata={"description": "finding.create, case.act, blocker.create"})
    case_number = fields.String(allow_none=True, metadata={"description": "finding.create, blocker.create"})
    blocker_id = fields.Integer(metadata={"description": "blocker.create (projects)"})
    state = fields.String(metadata={"description": "case.act: the case's state now"})
    version = fields.Integer(metadata={"description": "case.act: the case's version now"})


class SyncWriteResult(Schema):
    # Raw: a write refused for its id gets back whatever it sent as id (a number, say).
    id = fields.Raw(required=True, allow_none=True,
                    metadata={"description": "the write's id as sent (the client's UUID; null when the write "
                                             "was not an object)"})
    status = fields.String(required=True, metadata=_enum(SYNC_STATUSES))
    result = fields.Nested(SyncWriteOutcome, metadata={"description": "applied, duplicate"})
    code = fields.String(metadata={"description": "conflict, rejected"})
    message = fields.String(metadata={"description": "conflict, rejected"})
    fields_ = fields.Dict(keys=fields.String(), values=fields.String(), data_key="fields",
                          metadata={"description": "rejected: field → what is wrong"})
    http_status = fields.Integer(metadata={"description": "rejected: the status the write would have had alone"})
    retryable = fields.Boolean(metadata={"description": "rejected: true when it only has to wait"})
    photos = fields.List(fields.String(), metadata={"description": "rejected (photo_missing): photos still uploading"})
    current = fields.Dict(keys=fields.String(), values=fields.Raw(),
                          metadata={"description": "conflict: the shared state now (a case's state and version)"})


class SyncPushCounts(Schema):
    applied = fields.Integer(required=True)
    duplicate = fields.Integer(required=True)
    conflict = fields.Integer(required=True)
    rejected = fields.Integer(required=True)


class SyncPushResult(Schema):
    batch = fields.Integer(required=True)
    results = fields.List(fields.Nested(SyncWriteResult), required=True,
                          metadata={"description": "one per write, in the order sent"})
    counts = fields.Nested(SyncPushCounts, required=True)


class SyncPointView(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    type = fields.String(required=True)
    name = fields.String(required=True)
    number = fields.String(required=True, allow_none=True)
    address = fields.String(required=True, allow_none=True)
    jurisdiction_id = fields.Integer(required=True)
    department_id = fields.Integer(required=True, allow_none=True)
    project_id = fields.Integer(required=True, allow_none=True)
    hall = fields.String(required=True, allow_none=True, metadata={"description": "the hall's name"})


class SyncProjectView(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    code = fields.String(required=True)
    owner_enterprise = fields.String(required=True)
    location = fields.String(required=True, allow_none=True)
    stage = fields.String(required=True)
    jurisdiction_id = fields.Integer(required=True)


class SyncPullResult(Schema):
    cursor = fields.String(required=True, metadata={"description": "opaque: send it as `since` next time"})
    full = fields.Boolean(required=True, metadata={"description": "true when there was no cursor: everything"})
    server_time = UtcDateTime(required=True)
    visit_kinds = fields.List(fields.Nested(VisitKindView), required=True)
    visits = fields.List(fields.Nested(FieldVisitView), required=True)
    tasks = fields.List(fields.Nested(ChecklistTaskView), required=True)
    templates = fields.List(fields.Nested(ChecklistTemplateView), required=True)
    points = fields.List(fields.Nested(SyncPointView), required=True)
    projects = fields.List(fields.Nested(SyncProjectView), required=True)
    cases = fields.List(fields.Nested(CaseLedgerItem), required=True)


# --- resumable uploads --------------------------------------------------------------------------------------

class UploadState(Schema):
    uuid = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "the announced total, in bytes"})
    received = fields.Integer(required=True, metadata={"description": "bytes the server holds"})
    state = fields.String(required=True, metadata=_enum(UPLOAD_STATES))
    complete = fields.Boolean(required=True)
    reason = fields.String(required=True, allow_none=True, metadata={"description": "why it was rejected"})
