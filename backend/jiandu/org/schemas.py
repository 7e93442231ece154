from flask import current_app
from marshmallow import Schema, fields, validate

from jiandu.org.models import POINT_TYPES, ROLES, UNIT_KINDS
from jiandu.pagination import PageArgs, page_schema
from jiandu.timeutil import UtcDateTime

NAME = validate.Length(min=1, max=128, error="长度须在 1 到 128 个字之间")


class Ref(Schema):
    id = fields.Integer()
    name = fields.String()


class UnitRef(Ref):
    kind = fields.String()


class MeSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    locale = fields.String()
    jurisdiction = fields.Nested(Ref)
    unit = fields.Nested(UnitRef, allow_none=True)
    project = fields.Nested(Ref, allow_none=True)
    csrf_token = fields.String(allow_none=True)


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256), load_only=True)


class TokenRequestSchema(LoginSchema):
    name = fields.String(load_default="api", validate=validate.Length(max=64))
    expires_in_days = fields.Integer(validate=validate.Range(min=1, error="有效期至少 1 天"), metadata={
        "description": "a shorter lifetime than the default (API_TOKEN_DAYS, 90 days unless configured)"})


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    created_at = UtcDateTime()
    expires_at = UtcDateTime(metadata={"description": "after this moment the token is refused (401 token_expired)"})
    last_used_at = UtcDateTime(allow_none=True)
    revoked_at = UtcDateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String()


class PasswordChangeSchema(Schema):
    old_password = fields.String(required=True)
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=256))


DIVISION_CODE = validate.Regexp(r"^\d{6,12}$", error="行政区划代码应为 6–12 位数字")


class JurisdictionSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    level = fields.String(dump_only=True)
    division_code = fields.String(allow_none=True, validate=DIVISION_CODE)
    parent_id = fields.Integer(required=True, allow_none=True)  # none for the city itself
    path = fields.String(dump_only=True)
    active = fields.Boolean(dump_only=True)


class JurisdictionUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=64))
    division_code = fields.String(allow_none=True, validate=DIVISION_CODE)
    active = fields.Boolean()


class JurisdictionArgs(PageArgs):
    parent = fields.Integer()
    level = fields.String(validate=validate.OneOf(("city", "county", "town")))


class UnitSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=NAME)
    kind = fields.String(required=True, validate=validate.OneOf(UNIT_KINDS, error="单位类型须为 {choices} 之一"))
    jurisdiction_id = fields.Integer(required=True)
    jurisdiction = fields.Nested(Ref, dump_only=True)
    address = fields.String(allow_none=True, validate=validate.Length(max=255))
    supervised_department_ids = fields.List(fields.Integer(), load_only=True)
    supervised_departments = fields.List(fields.Nested(Ref), dump_only=True)
    active = fields.Boolean(dump_only=True)
    version = fields.Integer(dump_only=True)


class UnitUpdateSchema(Schema):
    name = fields.String(validate=NAME)
    address = fields.String(allow_none=True, validate=validate.Length(max=255))
    supervised_department_ids = fields.List(fields.Integer())
    active = fields.Boolean()
    version = fields.Integer()


class UnitArgs(PageArgs):
    kind = fields.String(validate=validate.OneOf(UNIT_KINDS))
    jurisdiction = fields.Integer()
    q = fields.String(validate=validate.Length(max=64))
    active = fields.Boolean()


class HallSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String(allow_none=True)
    jurisdiction = fields.Nested(Ref)
    window_count = fields.Integer()
    active = fields.Boolean()


class PointSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True)
    type = fields.String(required=True, validate=validate.OneOf(POINT_TYPES, error="点位类型须为 {choices} 之一"))
    name = fields.String(required=True, validate=NAME)
    name_mn = fields.String(allow_none=True, validate=validate.Length(max=256))
    number = fields.String(allow_none=True, validate=validate.Length(max=16))
    hall_id = fields.Integer(allow_none=True, load_only=True)
    department_id = fields.Integer(allow_none=True, load_only=True)
    project_id = fields.Integer(allow_none=True, load_only=True)
    jurisdiction_id = fields.Integer(allow_none=True, load_only=True)
    hall = fields.Nested(Ref, dump_only=True, allow_none=True)
    department = fields.Nested(Ref, dump_only=True, allow_none=True)
    project = fields.Nested(Ref, dump_only=True, allow_none=True)
    jurisdiction = fields.Nested(Ref, dump_only=True)
    address = fields.String(allow_none=True, validate=validate.Length(max=255))
    allowed_origins = fields.String(allow_none=True, validate=validate.Length(max=2000))
    url = fields.Method("_url", dump_only=True)
    active = fields.Boolean(dump_only=True)
    version = fields.Integer(dump_only=True)

    def _url(self, point):
        return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/q/{point.code}"


class PointUpdateSchema(Schema):
    type = fields.String(validate=validate.OneOf(POINT_TYPES, error="点位类型须为 {choices} 之一"))
    name = fields.String(validate=NAME)
    name_mn = fields.String(allow_none=True, validate=validate.Length(max=256))
    number = fields.String(allow_none=True, validate=validate.Length(max=16))
    hall_id = fields.Integer(allow_none=True)
    department_id = fields.Integer(allow_none=True)
    project_id = fields.Integer(allow_none=True)
    jurisdiction_id = fields.Integer(allow_none=True)
    address = fields.String(allow_none=True, validate=validate.Length(max=255))
    allowed_origins = fields.String(allow_none=True, validate=validate.Length(max=2000))
    active = fields.Boolean()
    version = fields.Integer()


class PointArgs(PageArgs):
    type = fields.String(validate=validate.OneOf(POINT_TYPES))
    hall = fields.Integer()
    department = fields.Integer()
    jurisdiction = fields.Integer()
    q = fields.String(validate=validate.Length(max=64))
    active = fields.Boolean()


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9._-]{1,63}$",
                             error="用户名须为 2–64 位小写字母、数字、点、下划线或连字符"))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    role = fields.String(required=True, validate=validate.OneOf(ROLES, error="角色须为 {choices} 之一"))
    password = fields.String(load_only=True, required=True)
    jurisdiction_id = fields.Integer(load_only=True, allow_none=True)
    unit_id = fields.Integer(load_only=True, allow_none=True)
    project_id = fields.Integer(load_only=True, allow_none=True)
    jurisdiction = fields.Nested(Ref, dump_only=True)
    unit = fields.Nested(UnitRef, dump_only=True, allow_none=True)
    project = fields.Nested(Ref, dump_only=True, allow_none=True)
    active = fields.Boolean(dump_only=True)
    last_login_at = UtcDateTime(dump_only=True, allow_none=True)


class UserUpdateSchema(Schema):
    display_name = fields.String(validate=validate.Length(min=1, max=64))
    role = fields.String(validate=validate.OneOf(ROLES, error="角色须为 {choices} 之一"))
    password = fields.String(load_only=True)
    jurisdiction_id = fields.Integer(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    project_id = fields.Integer(allow_none=True)
    active = fields.Boolean()
    locale = fields.String(validate=validate.OneOf(("zh", "en")))


class UserArgs(PageArgs):
    role = fields.String(validate=validate.OneOf(ROLES))
    q = fields.String(validate=validate.Length(max=64))


class PointImportIn(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                               "description": "an Excel (.xlsx) or CSV file of points"})


class ImportResultSchema(Schema):
    created = fields.Integer()
    points = fields.List(fields.Nested(PointSchema))


JurisdictionPage = page_schema(JurisdictionSchema, "JurisdictionPage")
UnitPage = page_schema(UnitSchema, "UnitPage")
HallPage = page_schema(HallSchema, "HallPage")
PointPage = page_schema(PointSchema, "PointPage")
UserPage = page_schema(UserSchema, "UserPage")
TokenList = Schema.from_dict({"items": fields.List(fields.Nested(TokenSchema))}, name="TokenList")
