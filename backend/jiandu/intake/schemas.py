"""Shapes of intake's API (marshmallow): what it takes and what it answers."""
from marshmallow import Schema, fields, validate

from jiandu.contract import Body, Filled, Flag, Int, Text
from jiandu.pagination import PageArgs, page_schema


class CategorySchema(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)


class CategoryAdminSchema(CategorySchema):
    case_type = fields.String()
    sort = fields.Integer()
    active = fields.Boolean()


CASE_TYPES = ("service_request", "work_style", "lead")


CODE_RULE = validate.Regexp(r"^[a-z][a-z0-9_]{1,31}$", error="代码应为 2–32 位小写字母、数字或下划线")
CASE_TYPE_RULE = validate.OneOf(CASE_TYPES, error="案件类型无效")


class CategoryUpdateSchema(Body):
    """A change of a category: what is sent is checked, what is left out stays."""
    name = Filled(label="名称", limit=32)
    name_en = Text(label="英文名称", limit=64, allow_none=True)
    case_type = Filled(label="案件类型", limit=32, validate=CASE_TYPE_RULE)
    sort = Int(label="排序", low=0, high=10000)
    active = Flag(label="启用")


class CategoryCreateSchema(CategoryUpdateSchema):
    code = Text(label="代码", limit=32, required=True, validate=CODE_RULE)
    name = Filled(label="名称", limit=32, required=True)
    case_type = Filled(label="案件类型", limit=32, load_default="work_style", validate=CASE_TYPE_RULE)
    sort = Int(label="排序", low=0, high=10000, load_default=100)
    active = Flag(label="启用", load_default=True)


class ReasonSchema(Schema):
    code = fields.String()
    polarity = fields.String(metadata={"description": "good (for ratings 1–3) or bad (4–5)"})
    name = fields.String()
    name_en = fields.String(allow_none=True)


class CategoryList(Schema):
    items = fields.List(fields.Nested(CategorySchema))


class ReportIn(Schema):
    """The body of POST /reports (JSON, or the same names as multipart/form-data with files `photos`)."""
    point_code = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("rating", "report")))
    rating = fields.Integer(metadata={"description": "1 = 非常满意 … 5 = 非常不满意 (kind rating)"})
    reasons = fields.List(fields.String(), metadata={"description": "rating reason codes"})
    category = fields.String(metadata={"description": "a report category code (kind report)"})
    description = fields.String()
    anonymous = fields.Boolean(load_default=True)
    name = fields.String()
    phone = fields.String(metadata={"description": "mainland mobile number"})
    photos = fields.List(fields.String(), metadata={"description": "JSON only: up to 3 base64 images"})
    origin = fields.String(metadata={"description": "embedding website's origin (embed only)"})
    page = fields.String(metadata={"description": "the embedding website's page the form was on (embed only)"})
    lang = fields.String(metadata={"description": "zh or en: the language the citizen wrote in (news of the case "
                                                  "follows it; anything else counts as zh)"})
    homepage = fields.String(metadata={"description": "a field people never see: a body that fills it is a bot's"})
    rating_token = fields.String(metadata={
        "description": "kind rating: the token the landing page (or POST /rating-tokens) gave for this point; "
                       "good for one rating"})


class ReportCreatedSchema(Schema):
    report_id = fields.Integer()
    kind = fields.String()
    case_id = fields.Integer(allow_none=True)
    case_number = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    tracking_token = fields.String(allow_none=True)
    tracking_code = fields.String(allow_none=True)
    tracking_url = fields.String(allow_none=True)
    photos = fields.Integer()
    message = fields.String()


class TimelineEventSchema(Schema):
    state = fields.String()
    label = fields.String()
    at = fields.String()
    public_note = fields.String(allow_none=True)


class FeedbackSchema(Schema):
    resolved = fields.Boolean(allow_none=True)
    satisfaction = fields.Integer(allow_none=True, metadata={"description": "5 = 非常满意 … 1 = 非常不满意"})
    comment = fields.String(allow_none=True)
    at = fields.String()


class TimelineSchema(Schema):
    kind = fields.String()
    rating = fields.Integer(allow_none=True)
    rating_label = fields.String(allow_none=True)
    reasons = fields.List(fields.String())
    category = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    photos = fields.Integer()
    point = fields.String()
    submitted_at = fields.String()
    case_number = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    state_label = fields.String(allow_none=True)
    closed = fields.Boolean()
    events = fields.List(fields.Nested(TimelineEventSchema))
    feedback = fields.Nested(FeedbackSchema, allow_none=True)
    feedback_open = fields.Boolean()


class FeedbackIn(Schema):
    resolved = fields.Raw(required=True, metadata={"description": "true/false: was the problem solved?"})
    satisfaction = fields.Raw(required=True,
                              metadata={"description": "5 = 非常满意 … 1 = 非常不满意 (the case's scale)"})
    comment = fields.String(load_default="")


class ReportArgs(PageArgs):
    kind = fields.String(validate=validate.OneOf(("rating", "report")))
    rating_min = fields.Integer(validate=validate.Range(min=1, max=5))
    rating_max = fields.Integer(validate=validate.Range(min=1, max=5))
    category = fields.String()
    point_id = fields.Integer()
    department_id = fields.Integer()
    has_case = fields.Boolean()
    since_id = fields.Integer(metadata={"description": "only reports newer than this id (polling)"})
    q = fields.String(validate=validate.Length(max=50))


class PointBrief(Schema):
    id = fields.Integer()
    code = fields.String()
    type = fields.String()
    name = fields.String()
    number = fields.String(allow_none=True)
    hall = fields.String(allow_none=True)
    label = fields.String()


class PhotoSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    size = fields.Integer()


class ReportItemSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    rating = fields.Integer(allow_none=True)
    rating_label = fields.String(allow_none=True)
    reasons = fields.List(fields.String())
    category = fields.String(allow_none=True)
    category_name = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    anonymous = fields.Boolean()
    has_contact = fields.Boolean()
    point = fields.Nested(PointBrief)
    department_id = fields.Integer(allow_none=True)
    jurisdiction_id = fields.Integer()
    case_id = fields.Integer(allow_none=True)
    case_number = fields.String(allow_none=True)
    case_state = fields.String(allow_none=True)
    channel = fields.String()
    origin_site = fields.String(allow_none=True)
    photo_count = fields.Integer()
    feedback = fields.Nested(FeedbackSchema, allow_none=True)
    created_at = fields.String()


class ReportDetailSchema(ReportItemSchema):
    """The contact itself, even masked, is never here: only GET /reports/<id>/contact gives it, audited."""
    photos = fields.List(fields.Nested(PhotoSchema))
    origin_page = fields.String(allow_none=True)
    can_reveal_contact = fields.Boolean()


ReportPage = page_schema(ReportItemSchema, "ReportPage")


class ContactSchema(Schema):
    report_id = fields.Integer()
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class SnippetSchema(Schema):
    point_id = fields.Integer()
    code = fields.String()
    snippet = fields.String()
    allowed_origins = fields.List(fields.String())


class RatingTokenIn(Body):
    point_code = Text(label="监督码", limit=32, required=True)


class RatingTokenSchema(Schema):
    rating_token = fields.String(metadata={"description": "send it as `rating_token` with the rating"})
    device = fields.String(metadata={"description": "this client's device, as the server issued it: send it "
                                                    "as X-Jiandu-Device from now on"})
    point_code = fields.String()
    fresh_seconds = fields.Integer(metadata={"description": "how long the token is fresh"})
    grace_seconds = fields.Integer(metadata={"description": "how long a late rating (an outbox) may still use it"})


class FigureArgs(PageArgs):
    since = fields.Date(metadata={"description": "first local day (default: six days before `until`)"})
    until = fields.Date(metadata={"description": "last local day, included (default: today)"})
    point_id = fields.Integer()


class FigureFlagSchema(Schema):
    code = fields.String(metadata={"description": "burst (too many in one hour) | few_devices"})
    message = fields.String()
    hour = fields.String(allow_none=True, metadata={"description": "burst: the UTC hour it began"})
    ratings = fields.Integer()


class RatingFigureSchema(Schema):
    point = fields.Nested(PointBrief)
    ratings = fields.Integer()
    good = fields.Integer(metadata={"description": "1–3 (满意 side)"})
    bad = fields.Integer(metadata={"description": "4–5 (不满意 side)"})
    levels = fields.Dict(keys=fields.String(), values=fields.Integer(),
                         metadata={"description": "count per level, 1 = 非常满意 … 5 = 非常不满意"})
    devices = fields.Integer(metadata={"description": "distinct devices the ratings came from"})
    flagged = fields.Boolean()
    flags = fields.List(fields.Nested(FigureFlagSchema))


class RatingFiguresSchema(Schema):
    since = fields.Date()
    until = fields.Date()
    thresholds = fields.Dict(keys=fields.String(), values=fields.Integer())
    items = fields.List(fields.Nested(RatingFigureSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
