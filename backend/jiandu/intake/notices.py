"""What a citizen hears of their report: a move of its case that the tracking page shows, pushed to
the devices that asked to follow it (registered with notify in intake's `setup`)."""
from __future__ import annotations

from sqlalchemy import select

from jiandu.cases.public_states import public_state
from jiandu.extensions import db
from jiandu.intake.models import Report
from jiandu.notify import rules
from jiandu.notify.recipients import memoised
from jiandu.notify.service import reports_following
from jiandu.notify.words import clip, to_report

RULES: dict[str, rules.Rule] = {}
rule = rules.collect(RULES)


def _report_language(report_id: int) -> str:
    """The language the citizen wrote the report in (a page in English gets its news in English)."""
    return memoised(("report-lang", report_id), lambda: "en" if db.session.scalar(
        select(Report.lang).where(Report.id == report_id)) == "en" else "zh")


@rule("case.progress", "case_progress")
def _case_progress(p):
    """A change the reporter can see on the tracking page: to the citizens who asked to be told."""
    case_id = p.get("case_id")
    if not case_id:
        return []
    report_ids = reports_following(int(case_id))
    note = clip(p.get("public_note"), 160)

    def words(lang):
        label = public_state(p.get("state"), lang)
        if lang == "en":
            return "There is progress on your report", label + (f": {note}" if note else "")
        return "您反映的问题有新进展", label + (f"：{note}" if note else "")

    said = {lang: words(lang) for lang in {_report_language(rid) for rid in report_ids}}
    return [to_report(rid, said[_report_language(rid)], f"track-{int(case_id)}") for rid in report_ids]
