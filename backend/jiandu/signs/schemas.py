from marshmallow import Schema, fields, validate

from jiandu.org.models import POINT_TYPES
from jiandu.pagination import PageArgs, page_schema
from jiandu.timeutil import UtcDateTime

STATES = ("queued", "running", "done", "failed")


class TemplateSchema(Schema):
    name = fields.String()
    label = fields.String()
    description = fields.String()
    page = fields.Dict()
    per_page = fields.Integer()
    qr_mm = fields.Float()
    kinds = fields.List(fields.String(), allow_none=True)
    requires = fields.List(fields.String())
    reading_distance_cm = fields.Integer()
    preview = fields.String()


class SelectionSchema(Schema):
    """Which points: exactly one of point_ids, codes, hall_id, jurisdiction_id (with optional filters)."""

    template = fields.String(required=True, validate=validate.Length(min=1, max=64))
    point_ids = fields.List(fields.Integer(), validate=validate.Length(max=5000))
    codes = fields.List(fields.String(validate=validate.Length(max=16)), validate=validate.Length(max=5000))
    hall_id = fields.Integer()
    jurisdiction_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(POINT_TYPES, error="点位类型须为 {choices} 之一"))
    department_id = fields.Integer()


class CheckResultSchema(Schema):
    template = fields.String()
    total = fields.Integer()
    selection = fields.String()
    pages = fields.Integer()


class BatchSchema(Schema):
    id = fields.Integer()
    template = fields.String()
    template_label = fields.String()
    selection = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": list(STATES)})
    done = fields.Integer()
    total = fields.Integer()
    eta_seconds = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    attempts = fields.Integer()
    pages = fields.Integer(allow_none=True)
    pdf_bytes = fields.Integer(allow_none=True)
    pdf_url = fields.String(allow_none=True)
    reprint_of = fields.Integer(allow_none=True)
    created_by = fields.Integer(allow_none=True)
    created_at = UtcDateTime()
    started_at = UtcDateTime(allow_none=True)
    finished_at = UtcDateTime(allow_none=True)


BatchPage = page_schema(BatchSchema, "SignBatchPage")


class BatchArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(STATES))


class BatchPointSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    label = fields.String()
    active = fields.Boolean()


class ReprintSchema(Schema):
    point_id = fields.Integer(required=True)


class PreviewArgs(Schema):
    template = fields.String(required=True)
    point_id = fields.Integer(required=True)
    dpi = fields.Integer(load_default=80, validate=validate.Range(min=30, max=200))


class QrArgs(Schema):
    scale = fields.Integer(load_default=10, validate=validate.Range(min=1, max=40))
    caption = fields.Boolean(load_default=True)
