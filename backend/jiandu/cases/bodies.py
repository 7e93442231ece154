"""What the routes of jiandu.cases take: request bodies loaded with the fields of jiandu.contract,
refused as the service refused them (one sentence per field).

A move's body is typed here; which of its fields a move requires, and what they must say, its plan
checks (the offline sync and the demo data hand their fields to `act()` without this schema).
"""
from __future__ import annotations

from marshmallow import fields, validate

from jiandu.cases.models import CASE_TYPES, CHANNELS, DEADLINE_BASES, DEADLINE_KINDS
from jiandu.contract import Body, Day, Flag, Int, SentenceBody, Text, Version

IDS_WORDS = "应为单位编号的列表"
DEADLINE_UNITS = ("workday", "day", "hour")
MAX_BULK = 200


class MoveBody(SentenceBody):
    """One move. `version` always; the other fields as the move needs them (GET /cases/meta lists
    each move's required fields)."""
    version = Version()
    note = Text(label="备注", metadata={"description": "internal note (required to close without a return visit, "
                                                    "or to refuse an extension)"})
    case_type = Text(label="类型", metadata={"description": "register: " + ", ".join(CASE_TYPES)})
    category = Text(label="类别", metadata={"description": "register"})
    severity = Text(label="严重程度", metadata={"description": "register: normal, serious or grave"})
    channel = Text(label="渠道", metadata={"description": "register: " + ", ".join(CHANNELS)})
    summary = Text(label="摘要", metadata={"description": "register"})
    reason = Text(label="理由", metadata={"description": "not_accept, send_up, return, request_extension, "
                                                     "send_back, park, reopen"})
    into_case_id = Int(label="并入案件", metadata={"description": "merge"})
    office = Text(label="移交部门", metadata={"description": "hand_over"})
    department_id = Int(label="承办单位", metadata={"description": "assign"})
    co_department_ids = fields.List(Int(label="协办单位"), error_messages={"invalid": f"协办单位{IDS_WORDS}"},
                                    metadata={"description": "assign"})
    days = Int(label="延期天数", metadata={"description": "request_extension: working days"})
    approve = Flag(label="是否同意", metadata={"description": "decide_extension"})
    result = Text(label="办理结果", limit=4000, metadata={"description": "answer"})
    measures = Text(label="整改措施", limit=4000, metadata={"description": "answer"})
    attachments = fields.List(Int(label="附件"), error_messages={"invalid": "附件应为已上传文件的编号列表"},
                              metadata={"description": "answer: ids of uploaded attachments"})
    level = Int(label="督办级别", metadata={"description": "escalate: 1–3"})
    review_days = Int(label="复查周期", metadata={"description": "park, review_parked: days to the next review"})
    resolved = Flag(label="是否解决", metadata={"description": "return_visit"})
    satisfaction = Int(label="满意度", metadata={"description": "return_visit: 5 = 非常满意 … 1 = 非常不满意"})
    method = Text(label="回访方式", metadata={"description": "return_visit: phone, online or visit"})


class DeadlineRuleBody(SentenceBody):
    jurisdiction_id = Int(label="辖区", metadata={"description": "default: the user's jurisdiction"})
    kind = Text(label="时限类型", required=True, validate=validate.OneOf(DEADLINE_KINDS, error="未知的时限类型"),
                metadata={"description": ", ".join(DEADLINE_KINDS)})
    amount = Int(label="时限", low=1, high=1000, required=True)
    unit = Text(label="单位", required=True,
                validate=validate.OneOf(DEADLINE_UNITS, error="单位须为工作日、自然日或小时"),
                metadata={"description": ", ".join(DEADLINE_UNITS)})
    basis = Text(label="起算点", required=True,
                 validate=validate.OneOf(DEADLINE_BASES, error="起算点须为受理、转办、反馈或印发"),
                 metadata={"description": ", ".join(DEADLINE_BASES)})


class CalendarDayBody(Body):
    day = Day(required=True)
    is_workday = Flag(label="是否工作日", required=True)
    note = Text(label="说明", metadata={"description": "kept to its first 64 characters, e.g. 春节调休"})


class CalendarAdjustmentsBody(SentenceBody):
    items = fields.List(fields.Nested(CalendarDayBody), required=True,
                        validate=validate.Length(min=1, error="请提交至少一天"),
                        error_messages={"required": "请提交至少一天", "invalid": "请提交至少一天"},
                        metadata={"description": "at least one day"})


class CaseRefBody(Body):
    id = Int(label="案件编号", required=True)
    version = Int(label="版本号（version）")


class BulkAssignBody(SentenceBody):
    department_id = Int(label="承办单位")
    co_department_ids = fields.List(Int(label="协办单位"), error_messages={"invalid": f"协办单位{IDS_WORDS}"})
    note = Text(label="备注")
    cases = fields.List(fields.Nested(CaseRefBody), required=True,
                        validate=validate.Length(min=1, max=MAX_BULK, error=f"请选择 1 到 {MAX_BULK} 件案件"),
                        error_messages={"required": f"请选择 1 到 {MAX_BULK} 件案件",
                                        "invalid": f"请选择 1 到 {MAX_BULK} 件案件"},
                        metadata={"description": f"1 to {MAX_BULK} cases"})


class RecommendationBody(SentenceBody):
    title = Text(label="标题", metadata={"description": "kept to its first 128 characters"})
    systemic_cause = Text(label="系统性原因")
    content = Text(label="建议内容", limit=20000)
    case_ids = fields.List(Int(label="案件编号"), error_messages={"invalid": "请选择至少一件已办结的案件"},
                           metadata={"description": "closed cases"})
    unit_id = Int(label="被建议单位")


class RecommendationStepBody(SentenceBody):
    """reply: version, reply, recheck_days; recheck: version, result, passed."""
    version = Int(label="版本号（version）")
    reply = Text(label="回复", limit=20000, metadata={"description": "reply: the unit's answer"})
    recheck_days = Int(label="回头看天数", metadata={"description": "reply: days to the 回头看 (1–730, default 90)"})
    result = Text(label="回头看结果", limit=20000, metadata={"description": "recheck: what the 回头看 found"})
    passed = Flag(label="是否通过", metadata={"description": "recheck"})
