"""A case carries a bounded number of files: the one over CASE_ATTACHMENTS_MAX is refused, and stored nowhere."""
import io

from sqlalchemy import func, select

from jiandu.cases.models import CaseAttachment
from jiandu.extensions import db


def attach(api, case_id: int, name: str):
    return api.post(f"/api/v1/cases/{case_id}/attachments", data={"file": (io.BytesIO(b"%PDF-1.4 minimal"), name)},
                    content_type="multipart/form-data")


def test_a_case_takes_no_more_attachments_than_the_limit(app, as_user, make_case, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "CASE_ATTACHMENTS_MAX", 2)
    case, inspector = make_case(), as_user("inspector")
    assert [attach(inspector, case.id, f"报告{i}.pdf").status_code for i in range(2)] == [201, 201]
    stored = sorted(p.name for p in (tmp_path / "uploads").rglob("*") if p.is_file())
    refused = attach(inspector, case.id, "报告3.pdf")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "attachment_limit" and "2 个" in error["message"] and "2 个附件" in error["fields"]["file"]
    assert db.session.scalar(select(func.count()).select_from(CaseAttachment)
                             .where(CaseAttachment.case_id == case.id)) == 2
    assert sorted(p.name for p in (tmp_path / "uploads").rglob("*") if p.is_file()) == stored
    assert attach(inspector, make_case().id, "另一案件.pdf").status_code == 201  # the limit is per case
