"""What the routes of jiandu.projects answer (the registry's page of projects, for other systems too)."""
from marshmallow import Schema, fields, validate

from jiandu.org.schemas import Ref
from jiandu.pagination import page_schema
from jiandu.projects.models import INVITATION_KINDS, PAYER_KINDS
from jiandu.projects.rules import COLOURS, DEFAULT_SETTINGS, SETTING_LABELS


class ProjectSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    project_code = fields.String()
    owner_enterprise = fields.String()
    construction_enterprise = fields.String(allow_none=True)
    jurisdiction = fields.Nested(Ref)
    location = fields.String(allow_none=True)
    stage = fields.String()
    investment_wan = fields.Integer(allow_none=True)
    active = fields.Boolean()
    version = fields.Integer()


ProjectPage = page_schema(ProjectSchema, "ProjectPage")


# --- what the routes of jiandu.projects.api answer (documentation: the routes build the answers) -------

CASE_TYPES = ("service_request", "work_style", "lead")
INVITATION_STATES = ("pending", "used", "expired", "revoked")
UTC_NOTE = "RFC 3339 in UTC, with its Z"


class ProjectChoice(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)


class ProjectDepartment(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class ProjectPointRef(Schema):
    """The project's own supervision code (专属码)."""
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "the scan address, /q/<code>"})


class ProjectView(Schema):
    """One project of the registry, as its GET, POST and PATCH answer it."""
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    project_code = fields.String(required=True)
    owner_enterprise = fields.String(required=True)
    owner_credit_code = fields.String(required=True, allow_none=True)
    construction_enterprise = fields.String(required=True, allow_none=True)
    construction_credit_code = fields.String(required=True, allow_none=True)
    jurisdiction_id = fields.Integer(required=True)
    jurisdiction = fields.String(required=True, allow_none=True, metadata={"description": "the jurisdiction's name"})
    location = fields.String(required=True, allow_none=True)
    stage = fields.String(required=True, metadata={"description": "a key of `stages`"})
    stage_label = fields.String(required=True, allow_none=True)
    stages = fields.List(fields.Nested(ProjectChoice), required=True, metadata={"description": "every stage, in order"})
    investment_wan = fields.Integer(required=True, allow_none=True, metadata={"description": "总投资, 万元"})
    description = fields.String(required=True, allow_none=True)
    liaison_name = fields.String(required=True, allow_none=True)
    liaison_phone = fields.String(required=True, allow_none=True)
    contact_name = fields.String(required=True, allow_none=True)
    contact_phone = fields.String(required=True, allow_none=True,
                                  metadata={"description": "null for enterprise users, who see no contact phone"})
    departments = fields.List(fields.Nested(ProjectDepartment), required=True)
    point = fields.Nested(ProjectPointRef, required=True, allow_none=True)
    active = fields.Boolean(required=True)
    version = fields.Integer(required=True, metadata={"description": "send it back with the next PATCH"})


class ProjectList(Schema):
    items = fields.List(fields.Nested(ProjectView), required=True)


class ProjectImportedRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    project_code = fields.String(required=True)


class ProjectImportResult(Schema):
    created = fields.Integer(required=True)
    projects = fields.List(fields.Nested(ProjectImportedRef), required=True)


class BlockerCategoryView(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(required=True, allow_none=True)
    case_type = fields.String(required=True, validate=validate.OneOf(CASE_TYPES))


class BlockerCategoryAdminView(BlockerCategoryView):
    sort = fields.Integer(required=True)
    active = fields.Boolean(required=True)


class BlockerCategoryList(Schema):
    items = fields.List(fields.Nested(BlockerCategoryView), required=True)


# The settings' keys are fixed (rules.DEFAULT_SETTINGS): one named property each.
ProjectSettingValues = Schema.from_dict(
    {key: fields.Integer(required=True) for key in DEFAULT_SETTINGS}, name="ProjectSettingValues")
ProjectSettingLabels = Schema.from_dict(
    {key: fields.String(required=True) for key in SETTING_LABELS}, name="ProjectSettingLabels")


class ProjectSettingsView(Schema):
    settings = fields.Nested(ProjectSettingValues, required=True)
    labels = fields.Nested(ProjectSettingLabels, required=True)


class ProjectMeta(Schema):
    stages = fields.List(fields.Nested(ProjectChoice), required=True)
    payer_kinds = fields.List(fields.Nested(ProjectChoice), required=True)
    categories = fields.List(fields.Nested(BlockerCategoryView), required=True)
    settings = fields.Nested(ProjectSettingValues, required=True)


class ProjectBoardItem(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    project_code = fields.String(required=True)
    owner_enterprise = fields.String(required=True)
    stage = fields.String(required=True)
    stage_label = fields.String(required=True, allow_none=True)
    jurisdiction = fields.String(required=True, allow_none=True)
    liaison_name = fields.String(required=True, allow_none=True)
    overdue_approvals = fields.Integer(required=True)
    yellow_approvals = fields.Integer(required=True)
    overdue_payments = fields.Integer(required=True)
    overdue_amount = fields.String(required=True, metadata={"description": "yuan with two decimals, e.g. \"1200.00\""})
    open_blockers = fields.Integer(required=True)


class ProjectBoard(Schema):
    items = fields.List(fields.Nested(ProjectBoardItem), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    today = fields.Date(required=True, metadata={"description": "today in Asia/Shanghai"})


class ApprovalItemView(Schema):
    """审批事项, its dates counted in working days."""
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    name = fields.String(required=True)
    department_id = fields.Integer(required=True)
    department = fields.String(required=True, allow_none=True)
    submitted_on = fields.Date(required=True)
    statutory_days = fields.Integer(required=True)
    promised_days = fields.Integer(required=True)
    done_on = fields.Date(required=True, allow_none=True)
    due_on = fields.Date(required=True)
    yellow_on = fields.Date(required=True)
    elapsed_workdays = fields.Integer(required=True)
    colour = fields.String(required=True, validate=validate.OneOf(COLOURS))
    done = fields.Boolean(required=True)
    over_statutory = fields.Boolean(required=True)
    provisional = fields.Boolean(required=True,
                                 metadata={"description": "the dates cross a year the official calendar does not know"})
    lead_case_id = fields.Integer(required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)
    version = fields.Integer(required=True)


class PaymentView(Schema):
    """A payment owed to the enterprise and when it is due."""
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    contract_name = fields.String(required=True)
    contract_no = fields.String(required=True, allow_none=True)
    payer = fields.String(required=True)
    payer_kind = fields.String(required=True, validate=validate.OneOf(PAYER_KINDS))
    amount = fields.String(required=True, metadata={"description": "yuan with two decimals, e.g. \"1200.50\""})
    delivered_on = fields.Date(required=True)
    contract_due_on = fields.Date(required=True, allow_none=True)
    due_on = fields.Date(required=True)
    due_rule = fields.String(required=True, allow_none=True)
    paid_on = fields.Date(required=True, allow_none=True)
    colour = fields.String(required=True, validate=validate.OneOf(COLOURS))
    days_overdue = fields.Integer(required=True)
    lead_case_id = fields.Integer(required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)
    version = fields.Integer(required=True)


class MilestoneView(Schema):
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    name = fields.String(required=True)
    stage = fields.String(required=True, allow_none=True)
    stage_label = fields.String(required=True, allow_none=True)
    planned_on = fields.Date(required=True, allow_none=True)
    done_on = fields.Date(required=True, allow_none=True)
    late = fields.Boolean(required=True)
    note = fields.String(required=True, allow_none=True)
    version = fields.Integer(required=True)


class InvitationView(Schema):
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(INVITATION_KINDS))
    display_name = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True, metadata={"description": UTC_NOTE})
    expires_at = fields.DateTime(required=True, metadata={"description": UTC_NOTE})
    used_at = fields.DateTime(required=True, allow_none=True, metadata={"description": UTC_NOTE})
    state = fields.String(required=True, validate=validate.OneOf(INVITATION_STATES))


class InvitationCreated(InvitationView):
    code = fields.String(required=True, metadata={"description": "shown this once only"})
    url = fields.String(required=True, metadata={"description": "the page where the invited person signs up"})


class InvitationList(Schema):
    items = fields.List(fields.Nested(InvitationView), required=True)
    colleagues_left = fields.Integer(required=True, allow_none=True,
                                     metadata={"description": "for an enterprise user; null for staff"})


class InvitationPeek(Schema):
    project_name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(INVITATION_KINDS))
    display_name = fields.String(required=True, allow_none=True)
    expires_at = fields.DateTime(required=True, metadata={"description": UTC_NOTE})


class InvitationAccount(Schema):
    """The enterprise account made from an invitation, signed in on this device."""
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    project_id = fields.Integer(required=True)
    csrf_token = fields.String(required=True, metadata={"description": "send it as X-CSRF-Token on writes"})


class BlockerPhotoRef(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)


class BlockerEvent(Schema):
    """A move of the blocker's case (the enterprise sees the public notes only)."""
    at = fields.DateTime(required=True, metadata={"description": UTC_NOTE})
    action = fields.String(required=True)
    label = fields.String(required=True)
    state = fields.String(required=True)
    state_label = fields.String(required=True)
    note = fields.String(required=True, allow_none=True)


class BlockerView(Schema):
    """A blocker (堵点/痛点) and the state of its case."""
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    category = fields.String(required=True)
    category_label = fields.String(required=True)
    description = fields.String(required=True)
    department_id = fields.Integer(required=True, allow_none=True)
    department = fields.String(required=True, allow_none=True)
    contact_ok = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True, metadata={"description": UTC_NOTE})
    channel = fields.String(required=True, validate=validate.OneOf(("app", "code")))
    case_id = fields.Integer(required=True, allow_none=True)
    case_number = fields.String(required=True, allow_none=True)
    state = fields.String(required=True, allow_none=True)
    state_label = fields.String(required=True, allow_none=True)
    open = fields.Boolean(required=True)
    photos = fields.List(fields.Nested(BlockerPhotoRef), required=True)
    feedback_open = fields.Boolean(required=True,
                                   metadata={"description": "the reporter may answer the return visit now"})
    satisfaction = fields.Integer(required=True, allow_none=True)
    resolved = fields.Boolean(required=True, allow_none=True)
    reporter = fields.String(allow_none=True, metadata={"description": "staff only: the reporter's name"})


class BlockerDetail(BlockerView):
    events = fields.List(fields.Nested(BlockerEvent), required=True)


class BlockerSubmitted(BlockerDetail):
    replayed = fields.Boolean(required=True, metadata={"description": "true when the client id was seen before"})


class BlockerPage(Schema):
    items = fields.List(fields.Nested(BlockerView), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class ProjectCaseRef(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True, allow_none=True)
    state = fields.String(required=True)
    state_label = fields.String(required=True, allow_none=True)
    case_type = fields.String(required=True, allow_none=True)
    category = fields.String(required=True, allow_none=True)
    summary = fields.String(required=True)
    warning = fields.String(required=True)
    created_at = fields.DateTime(required=True, metadata={"description": UTC_NOTE})


class ProjectVisitRef(Schema):
    id = fields.Integer(required=True)
    # A string, not a date-time: the service writes RFC 3339 with Z for a moment, but a bare
    # YYYY-MM-DD when the visit's time is a date.
    at = fields.String(required=True, allow_none=True,
                       metadata={"description": f"{UTC_NOTE}, or YYYY-MM-DD for a date"})
    kind = fields.String(required=True, allow_none=True)
    state = fields.String(required=True, allow_none=True)


class ProjectTimelineEntry(Schema):
    on = fields.Date(required=True, metadata={
        "description": "the day; for blockers, cases and visits the UTC day of their created_at"})
    kind = fields.String(required=True, validate=validate.OneOf((
        "approval_submitted", "approval_done", "payment_due", "payment_paid", "milestone", "blocker", "case",
        "visit")))
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    colour = fields.String(required=True)


class ProjectTimeline(Schema):
    """A project's page: each list, and one stream of everything in time order."""
    project = fields.Nested(ProjectView, required=True)
    today = fields.Date(required=True)
    approvals = fields.List(fields.Nested(ApprovalItemView), required=True)
    payments = fields.List(fields.Nested(PaymentView), required=True)
    milestones = fields.List(fields.Nested(MilestoneView), required=True)
    blockers = fields.List(fields.Nested(BlockerView), required=True)
    cases = fields.List(fields.Nested(ProjectCaseRef), required=True,
                        metadata={"description": "empty for enterprise users"})
    visits = fields.List(fields.Nested(ProjectVisitRef), required=True,
                         metadata={"description": "empty for enterprise users"})
    stream = fields.List(fields.Nested(ProjectTimelineEntry), required=True)
    can_edit = fields.Boolean(required=True)
    can_invite = fields.Boolean(required=True)
