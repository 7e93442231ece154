"""The registry's list of projects, as other capabilities and systems page through it."""
from marshmallow import Schema, fields

from jiandu.org.schemas import Ref
from jiandu.pagination import page_schema


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
