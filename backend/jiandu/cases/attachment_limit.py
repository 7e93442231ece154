"""How many files one case may carry (CASE_ATTACHMENTS_MAX, 30 by default): evidence, not a file store.
Checked before a new file is read or stored."""
from flask import current_app
from sqlalchemy import func, select

from jiandu.cases.models import CaseAttachment
from jiandu.errors import ApiError
from jiandu.extensions import db


def require_room_for_one_more(case_id: int) -> None:
    limit = int(current_app.config.get("CASE_ATTACHMENTS_MAX", 30))
    count = db.session.scalar(select(func.count()).select_from(CaseAttachment).where(CaseAttachment.case_id == case_id))
    if count >= limit:
        raise ApiError(409, "attachment_limit", f"本案件已有 {count} 个附件，达到每个案件 {limit} 个的上限",
                       {"file": f"每个案件最多上传 {limit} 个附件"}, extra={"limit": limit})
