"""Shapes of the cases API for the OpenAPI document: what the routes take and what they answer.

The routes build their answers and read their bodies by hand (api.py, ledger.py, figures.py,
recommendations.py); these schemas only describe them (alt_response, doc), they serialize nothing.
Every time of a stored moment is written by `jiandu.timeutil.iso_utc` (RFC 3339 with its Z), so it
is a DateTime here; calendar days are Dates.
"""
from marshmallow import Schema, fields

from jiandu.cases.models import CASE_TYPES, CHANNELS, DEADLINE_BASES, DEADLINE_KINDS, RECOMMENDATION_STATES, STATES


def _one_of(values) -> str:
    return "one of: " + ", ".join(values)


# --- the ledger and a case ------------------------------------------------------------------------

class CaseRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True, allow_none=True)


class CaseLedgerItem(Schema):
    """A case as the ledger lists it (ledger.item)."""
    id = fields.Integer(required=True)
    number = fields.String(required=True, metadata={"description": "案件编号, JD + year + 7 digits"})
    state = fields.String(required=True, metadata={"description": _one_of(STATES)})
    state_label = fields.String(required=True)
    case_type = fields.String(required=True, allow_none=True, metadata={"description": _one_of(CASE_TYPES)})
    category = fields.String(required=True, allow_none=True)
    severity = fields.String(required=True, allow_none=True, metadata={"description": "normal, serious or grave"})
    channel = fields.String(required=True, metadata={"description": _one_of(CHANNELS)})
    summary = fields.String(required=True)
    jurisdiction = fields.Nested(CaseRef, required=True)
    department = fields.Nested(CaseRef, required=True, allow_none=True, metadata={"description": "承办单位"})
    point = fields.Nested(CaseRef, required=True, allow_none=True)
    project_id = fields.Integer(required=True, allow_none=True)
    due_at = fields.DateTime(required=True, allow_none=True, metadata={"description": "the deadline in force"})
    deadline_kind = fields.String(required=True, allow_none=True, metadata={"description": _one_of(DEADLINE_KINDS)})
    due_provisional = fields.Boolean(required=True, metadata={
        "description": "the deadline touches a year the working-day calendar does not know yet"})
    warning = fields.String(required=True, metadata={"description": "none, yellow or red"})
    escalation_level = fields.Integer(required=True, metadata={"description": "督办 level, 0 = none"})
    overdue = fields.Boolean(required=True)
    returns_count = fields.Integer(required=True)
    reopen_count = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    version = fields.Integer(required=True, metadata={"description": "send it back with every move"})


class CaseLedgerPage(Schema):
    items = fields.List(fields.Nested(CaseLedgerItem), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "cases per state under every filter but the state; states without cases are left out"})


class CaseEventView(Schema):
    seq = fields.Integer(required=True)
    action = fields.String(required=True)
    label = fields.String(required=True)
    from_state = fields.String(required=True, allow_none=True, metadata={"description": "null for the first event"})
    to_state = fields.String(required=True)
    actor = fields.String(required=True, metadata={"description": "a staff member's name, 群众 or 系统"})
    actor_kind = fields.String(required=True, metadata={"description": "user, reporter or system"})
    note = fields.String(required=True, allow_none=True, metadata={"description": "internal"})
    public_note = fields.String(required=True, allow_none=True, metadata={"description": "what the reporter may read"})
    data = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True, allow_none=True,
                       metadata={"description": "the move's fields; their shape depends on the action"})
    at = fields.DateTime(required=True)


class CaseAttachmentView(Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "bytes"})
    url = fields.String(required=True, metadata={"description": "where to download it"})


class CaseView(CaseLedgerItem):
    """A case file for staff: the ledger's item, its events, what the user may do, its attachments."""
    events = fields.List(fields.Nested(CaseEventView), required=True)
    allowed_actions = fields.List(fields.String(), required=True, metadata={
        "description": "the moves this user may make now (POST /cases/{case_id}/actions/{action})"})
    attachments = fields.List(fields.Nested(CaseAttachmentView), required=True)
    sign_due_at = fields.DateTime(required=True, allow_none=True)
    handle_due_at = fields.DateTime(required=True, allow_none=True)
    signed_at = fields.DateTime(required=True, allow_none=True)
    answered_at = fields.DateTime(required=True, allow_none=True)
    resolved = fields.Boolean(required=True, allow_none=True)
    satisfaction = fields.Integer(required=True, allow_none=True,
                                  metadata={"description": "5 = 非常满意 … 1 = 非常不满意"})
    extension_requested_days = fields.Integer(required=True, allow_none=True, metadata={
        "description": "a pending extension request, in working days"})
    parked_review_at = fields.DateTime(required=True, allow_none=True)
    merged_into_id = fields.Integer(required=True, allow_none=True)
    co_department_ids = fields.List(fields.Integer(), required=True, metadata={"description": "协办单位"})
    restricted = fields.Boolean(required=True)


class CaseBulkAssignResult(Schema):
    id = fields.Integer(required=True, allow_none=True, metadata={"description": "the id as sent"})
    result = fields.String(required=True, metadata={"description": "assigned or refused"})
    version = fields.Integer(metadata={"description": "assigned: the case's new version"})
    code = fields.String(metadata={"description": "refused: why, as an error code"})
    message = fields.String(metadata={"description": "refused: why"})
    fields_ = fields.Dict(keys=fields.String(), values=fields.String(), data_key="fields", attribute="fields",
                          metadata={"description": "refused: the fields at fault"})


class CaseBulkAssignAnswer(Schema):
    results = fields.List(fields.Nested(CaseBulkAssignResult), required=True)
    assigned = fields.Integer(required=True)


class CaseAttachmentIn(Schema):
    file = fields.Raw(required=True, metadata={
        "type": "string", "format": "binary",
        "description": "a photo (re-encoded as JPEG without metadata), PDF, Word, Excel or text file"})


# --- labels and figures ---------------------------------------------------------------------------

class CaseLabel(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)


class CaseMoveLabel(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    from_ = fields.List(fields.String(), required=True, data_key="from",
                        metadata={"description": "states it starts from"})
    roles = fields.List(fields.String(), required=True, metadata={"description": "inspector or handler"})
    required = fields.List(fields.String(), required=True, metadata={"description": "fields the move requires"})


class CaseSatisfactionLabel(Schema):
    key = fields.Integer(required=True)
    label = fields.String(required=True)


class CaseCategoryLabel(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    label_en = fields.String(required=True)
    case_type = fields.String(required=True, allow_none=True, metadata={"description": "null for project blockers"})
    active = fields.Boolean(required=True)


class CaseMeta(Schema):
    states = fields.List(fields.Nested(CaseLabel), required=True)
    actions = fields.List(fields.Nested(CaseMoveLabel), required=True)
    case_types = fields.List(fields.Nested(CaseLabel), required=True)
    channels = fields.List(fields.Nested(CaseLabel), required=True)
    satisfaction = fields.List(fields.Nested(CaseSatisfactionLabel), required=True)
    severities = fields.List(fields.Nested(CaseLabel), required=True)
    categories = fields.List(fields.Nested(CaseCategoryLabel), required=True)


class CaseFigureCounts(Schema):
    signed = fields.Integer(required=True)
    signed_on_time = fields.Integer(required=True)
    closed = fields.Integer(required=True)
    closed_on_time = fields.Integer(required=True)
    return_visits = fields.Integer(required=True)
    resolved = fields.Integer(required=True)
    satisfied = fields.Integer(required=True)
    reopened = fields.Integer(required=True)
    returned = fields.Integer(required=True)
    assigned = fields.Integer(required=True)


def _rate() -> fields.Float:
    return fields.Float(required=True, allow_none=True,
                        metadata={"description": "0–1; null when nothing to divide by"})


class CaseFigures(Schema):
    """The definitions: backend/jiandu/cases/FIGURES.md."""
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    counts = fields.Nested(CaseFigureCounts, required=True)
    on_time_sign_rate = _rate()
    on_time_close_rate = _rate()
    overdue_count = fields.Integer(required=True)
    overdue_open_now = fields.Integer(required=True)
    resolution_rate = _rate()
    satisfaction_rate = _rate()
    return_visit_rate = _rate()
    reopen_rate = _rate()
    return_rate = _rate()
    satisfaction_counts_basic = fields.Boolean(required=True,
                                               metadata={"description": "基本满意 counts as satisfied"})


# --- deadline rules and the calendar --------------------------------------------------------------

class DeadlineRuleView(Schema):
    kind = fields.String(required=True, metadata={"description": _one_of(DEADLINE_KINDS)})
    amount = fields.Integer(required=True)
    unit = fields.String(required=True, metadata={"description": "workday, day or hour"})
    basis = fields.String(required=True, metadata={"description": _one_of(DEADLINE_BASES)})
    jurisdiction_id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "the jurisdiction whose rule applies (this one or an ancestor); null for the default"})
    default = fields.Boolean(required=True)


class DeadlineRuleList(Schema):
    jurisdiction_id = fields.Integer(required=True)
    items = fields.List(fields.Nested(DeadlineRuleView), required=True)


class CalendarAdjustment(Schema):
    day = fields.Date(required=True)
    is_workday = fields.Boolean(required=True)
    note = fields.String(required=True, allow_none=True)


class CalendarAdjustmentList(Schema):
    items = fields.List(fields.Nested(CalendarAdjustment), required=True)


# --- recommendations (纪检监察建议) -----------------------------------------------------------------

class RecommendationCase(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    summary = fields.String(required=True)


class RecommendationView(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True, metadata={"description": "JDJY + year + 5 digits"})
    title = fields.String(required=True)
    unit = fields.Nested(CaseRef, required=True)
    systemic_cause = fields.String(required=True)
    content = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": _one_of(RECOMMENDATION_STATES)})
    issued_at = fields.DateTime(required=True)
    reply_due_at = fields.DateTime(required=True, allow_none=True)
    reply = fields.String(required=True, allow_none=True)
    replied_at = fields.DateTime(required=True, allow_none=True)
    recheck_due_at = fields.DateTime(required=True, allow_none=True)
    recheck_result = fields.String(required=True, allow_none=True)
    recheck_passed = fields.Boolean(required=True, allow_none=True)
    rechecked_at = fields.DateTime(required=True, allow_none=True)
    version = fields.Integer(required=True)
    overdue = fields.Boolean(required=True, metadata={"description": "issued and past its reply deadline"})
    cases = fields.List(fields.Nested(RecommendationCase), required=True)


class RecommendationPage(Schema):
    items = fields.List(fields.Nested(RecommendationView), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
