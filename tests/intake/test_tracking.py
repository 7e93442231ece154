"""Tracking (/t/<token>, /api/v1/track/<token>): a public-safe timeline, and the reporter's return visit."""
import json

import pytest
from sqlalchemy import select

from jiandu.cases import service as cases
from jiandu.cases.models import Case
from jiandu.extensions import db
from jiandu.intake.models import Report
from tests.intake.conftest import user

SECRET_NOTE = "内部：疑似与窗口负责人有利益关系"


@pytest.fixture
def reported(submit, window):
    """A real-name report at the handler's window: (tracking token, case)."""
    body = submit(window, kind="report", category="buck_passing", description="三个窗口互相推，材料没人收",
                  anonymous=False, name="赵敏", phone="13700001111").get_json()
    return body["tracking_token"], db.session.get(Case, body["case_id"])


def move(case, *steps):
    inspector, handler = user("inspector"), user("handler")
    fields = {
        "register": (inspector, {"case_type": "work_style", "category": "buck_passing", "note": SECRET_NOTE}),
        "assign": (inspector, {"department_id": case.department_id, "note": SECRET_NOTE}),
        "sign": (handler, {}),
        "answer": (handler, {"result": "已约谈窗口负责人，当场收件办理", "note": SECRET_NOTE}),
        "verify": (inspector, {}),
    }
    for step in steps:
        who, data = fields[step]
        cases.act(who, case, step, data, check_version_=False)
    db.session.commit()


def test_timeline_shows_states_and_public_replies_only(anon, reported):
    token, case = reported
    move(case, "register", "assign", "sign", "answer")
    response = anon.get(f"/api/v1/track/{token}")
    assert response.status_code == 200
    body = response.get_json()
    assert [e["state"] for e in body["events"]] == ["received", "registered", "assigned", "signed", "answered"]
    assert body["state"] == "answered" and body["state_label"] == "承办单位已答复"
    assert any("已约谈窗口负责人" in (e["public_note"] or "") for e in body["events"])
    text = json.dumps(body, ensure_ascii=False)
    for private in (SECRET_NOTE, "赵敏", "13700001111", "actor", "handler", "inspector"):
        assert private not in text
    html = anon.get(f"/t/{token}").get_data(as_text=True)
    assert "已约谈窗口负责人" in html and SECRET_NOTE not in html and "赵敏" not in html
    assert "三个窗口互相推" in html


def test_timeline_in_english(anon, reported):
    token, _ = reported
    body = anon.get(f"/api/v1/track/{token}?lang=en").get_json()
    assert body["state_label"] == "Received" and body["category"] == "Passing the buck"


def test_unknown_token_is_404(anon):
    assert anon.get("/api/v1/track/AAAABBBBCCCCDDDD").status_code == 404
    assert anon.get("/api/v1/track/not-a-token").status_code == 404


def test_token_with_dashes_and_lower_case_works(anon, reported):
    token, _ = reported
    dashed = "-".join(token[i:i + 4] for i in range(0, 16, 4)).lower()
    assert anon.get(f"/api/v1/track/{dashed}").status_code == 200


def test_return_visit_online_after_verification(anon, reported):
    token, case = reported
    early = anon.post(f"/api/v1/track/{token}/feedback", json={"resolved": True, "satisfaction": 5})
    assert early.status_code == 409
    move(case, "register", "assign", "sign", "answer", "verify")
    body = anon.get(f"/api/v1/track/{token}").get_json()
    assert body["feedback_open"] is True
    assert "问题解决了吗" in anon.get(f"/t/{token}").get_data(as_text=True)
    bad = anon.post(f"/api/v1/track/{token}/feedback", json={"resolved": "perhaps", "satisfaction": 9})
    assert bad.status_code == 422 and {"resolved", "satisfaction"} <= set(bad.get_json()["error"]["fields"])
    response = anon.post(f"/api/v1/track/{token}/feedback",
                         json={"resolved": False, "satisfaction": 2, "comment": "还是没人收材料"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["feedback"]["resolved"] is False and body["feedback"]["satisfaction"] == 2
    assert body["feedback_open"] is False
    db.session.refresh(case)
    assert case.state == "revisited" and case.satisfaction == 2 and case.resolved is False
    report = db.session.scalar(select(Report).where(Report.case_id == case.id))
    assert report.feedback_comment == "还是没人收材料"
    again = anon.post(f"/api/v1/track/{token}/feedback", json={"resolved": True, "satisfaction": 5})
    assert again.status_code == 409


def test_return_visit_by_form_without_js(anon, reported):
    token, case = reported
    move(case, "register", "assign", "sign", "answer", "verify")
    response = anon.post(f"/t/{token}/feedback", data={"resolved": "1", "satisfaction": "4", "comment": ""})
    assert response.status_code == 303 and response.headers["Location"].endswith("?fb=1")
    db.session.refresh(case)
    assert case.state == "closed"  # resolved and satisfied: the loop closes it
    html = anon.get(response.headers["Location"]).get_data(as_text=True)
    assert "感谢您的回访意见" in html and "已办结" in html
    refused = anon.post(f"/t/{token}/feedback", data={"resolved": "1", "satisfaction": "4"})
    assert refused.status_code == 409


def test_return_visit_form_refusal_is_explained(anon, reported):
    token, case = reported
    move(case, "register", "assign", "sign", "answer", "verify")
    response = anon.post(f"/t/{token}/feedback", data={"comment": "x"})
    assert response.status_code == 422 and "请选择问题是否已解决" in response.get_data(as_text=True)


def test_tracking_page_offers_push_for_this_case_until_it_closes(anon, reported):
    token, case = reported
    html = anon.get(f"/t/{token}").get_data(as_text=True)
    assert f'data-push-track="{token}"' in html and '<script src="/push-track.js" defer>' in html
    assert anon.get("/push-track.js").status_code == 200
    db.session.get(type(case), case.id).state = "closed"
    db.session.commit()
    assert "data-push-track" not in anon.get(f"/t/{token}").get_data(as_text=True)
