"""The world of the visibility matrix (tests/test_visibility_matrix.py), made as its users make it.

One case per cell of channel × type × state, at a window of the demo handler's department (包头市
市场监督管理局) or on the demo enterprise's project: citizens report and rate at the window over
the API (each from their own phone and address), the enterprise posts blockers naming that
department, the city inspector records findings on a field visit there, and a risk model opens
leads naming it. The inspector and the handler then walk each case to its state with their moves
over HTTP. Every description carries MARK, so the lists can be asked for exactly this world.
"""
from __future__ import annotations

import base64
import io
import re
import secrets
import uuid
from dataclasses import dataclass

from PIL import Image
from sqlalchemy import func, select

from jiandu.cases.models import Case
from jiandu.extensions import db
from jiandu.org.models import Point, Unit, User, group_departments
from jiandu.security import hash_password
from tests.conftest import PASSWORD, ApiClient

MARK = "矩阵核验"
CHANNELS = ("window_report", "bad_rating", "blocker", "finding", "scan")
TYPES = ("service_request", "work_style", "lead")
# The type a case has when it is received, by what it came with (a rating is always 作风效能, a scan a lead).
INTAKE_TYPES = {"window_report": TYPES, "bad_rating": ("work_style",), "blocker": TYPES, "finding": TYPES,
                "scan": ("lead",)}
REGISTERED_TYPES = {**{channel: TYPES for channel in CHANNELS}, "scan": ("lead",)}
REPORT_CATEGORIES = {"service_request": "other", "work_style": "attitude", "lead": "extortion"}
BLOCKER_CATEGORIES = {"service_request": "approval_timeout", "work_style": "irregular_enforcement",
                      "lead": "extortion"}

_LOOP = ["register", "assign", "sign", "answer", "verify", "return_visit", "close"]
# The moves from 受理 to each state of the matrix; "returned" is 建账 again after the department's 退回.
PATHS = {
    "received": [], "registered": _LOOP[:1], "assigned": _LOOP[:2], "signed": _LOOP[:3], "answered": _LOOP[:4],
    "verified": _LOOP[:5], "revisited": _LOOP[:6], "closed": _LOOP,
    "returned": ["register", "assign", "return"], "not_accepted": ["register", "not_accept"],
    "sent_up": ["register", "send_up"],
}
LEAD_PATHS = {"received": [], "registered": ["register"], "handed_over": ["register", "hand_over"],
              "not_accepted": ["register", "not_accept"], "sent_up": ["register", "send_up"]}
CASE_STATE = {"returned": "registered"}  # a matrix state that is not the case's own name for it
DEPARTMENT_MOVES = {"sign", "answer", "return"}  # the handler's; every other move is the inspector's
VIEWERS = ("admin", "inspector", "county-inspector", "group-inspector", "market-group-inspector", "handler",
           "enterprise")


@dataclass(frozen=True)
class Cell:
    channel: str
    case_type: str
    state: str

    @property
    def name(self) -> str:
        return f"{self.channel}-{self.case_type}-{self.state}"


def cells() -> list[Cell]:
    found = []
    for channel in CHANNELS:
        for case_type in REGISTERED_TYPES[channel]:
            for state in (LEAD_PATHS if case_type == "lead" else PATHS):
                if state != "received" or case_type in INTAKE_TYPES[channel]:
                    found.append(Cell(channel, case_type, state))
    return found


@dataclass
class Record:
    """What one cell's case was made of: the ids a viewer asks for."""
    cell: Cell
    case_id: int = 0
    number: str = ""
    report_id: int | None = None
    report_photo_id: int | None = None
    phone: str | None = None
    blocker_id: int | None = None
    blocker_photo_id: int | None = None
    finding_id: int | None = None


@dataclass
class World:
    records: list[Record]
    clients: dict[str, ApiClient]
    users: dict[str, User]
    cursors: dict[str, str]  # each viewer's sync cursor from before the world was made
    visits: dict[str, int]  # "place:whose" → visit id
    finding_visit: str  # the key in `visits` of the inspector's visit the findings were made on
    first_event_id: int  # outbox events of the world have larger ids
    project_id: int  # the demo enterprise's


def jpeg(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 36), colour).save(out, "JPEG")
    return out.getvalue()


def _ok(response, *statuses):
    expected = statuses or (200, 201)
    assert response.status_code in expected, (response.status_code, response.get_data(as_text=True)[:800])
    return response.get_json() if response.is_json else response


def _the_market_group_inspector(market: Unit) -> User:
    """An inspector of a dispatched group that supervises the handler's department (the demo's
    group-inspector belongs to one that does not)."""
    group_id = db.session.scalar(select(group_departments.c.group_id)
                                 .where(group_departments.c.department_id == market.id).order_by("group_id"))
    demo = db.session.scalar(select(User).where(User.username == "group-inspector"))
    assert group_id is not None and group_id != demo.unit_id, "the demo city's groups changed: pick another"
    account = User(username="market-group-inspector", display_name="矩阵派驻组", role="inspector",
                   password_hash=hash_password(PASSWORD), jurisdiction_id=demo.jurisdiction_id, unit_id=group_id)
    db.session.add(account)
    db.session.commit()
    return account


class Builder:
    def __init__(self, app, sign_in):
        self.app = app
        self.users = {name: db.session.scalar(select(User).where(User.username == name))
                      for name in VIEWERS if name != "market-group-inspector"}
        self.market = self.users["handler"].unit
        self.users["market-group-inspector"] = _the_market_group_inspector(self.market)
        self.clients = {name: sign_in(name) for name in VIEWERS}
        self.window = db.session.scalar(select(Point).where(
            Point.type == "window", Point.department_id == self.market.id, Point.active).order_by(Point.id))
        self.project_id = self.users["enterprise"].project_id
        self.project_point = db.session.scalar(select(Point).where(Point.project_id == self.project_id)
                                               .order_by(Point.active.desc(), Point.id))
        self.citizens = 0
        self.serial = 0
        self.finding_visit = 0

    @property
    def inspector(self) -> ApiClient:
        return self.clients["inspector"]

    def text(self, what: str) -> str:
        self.serial += 1
        return f"{MARK}{self.serial:03d}：{what}"

    # --- the places each viewer works at (what its sync pull is about) ------------------------------

    def places(self) -> dict[str, int]:
        """Planned unannounced visits (体验式监督) of the commission's staff, and a self-check issued to
        the window and to the project, which the department and the enterprise work on."""
        visits = {}
        for whose, places in (("admin", ("window", "project")), ("inspector", ("window", "project")),
                              ("market-group-inspector", ("window",))):
            for place in places:
                where = {"point_id": self.window.id} if place == "window" else {"project_id": self.project_id}
                body = _ok(self.clients[whose].post("/api/v1/visits", json={
                    "kind": "experience", "title": "暗访：窗口办事体验", **where}), 201)
                visits[f"{place}:{whose}"] = body["id"]
        template = _ok(self.inspector.post("/api/v1/checklist-templates", json={
            "title": "窗口一次告知自查", "items": [{"kind": "yes_no", "label": "是否公示办事指南"}]}), 201)
        _ok(self.inspector.post("/api/v1/checklist-tasks", json={
            "template_id": template["id"], "point_ids": [self.window.id, self.project_point.id]}), 201)
        return visits

    # --- the channels ------------------------------------------------------------------------------

    def citizen(self):
        """A citizen's phone: its own address, https, the landing page of the window opened first."""
        self.citizens += 1
        http = self.app.test_client()
        http.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "localhost",
                                  "REMOTE_ADDR": f"198.51.100.{self.citizens}"})
        page = http.get(f"/q/{self.window.code}")
        assert page.status_code == 200, page.status_code
        html = page.get_data(as_text=True)
        device = re.search(r'data-device="([^"]+)"', html)
        token = re.search(r'name="rating_token" value="([^"]+)"', html)
        headers = {"Idempotency-Key": secrets.token_urlsafe(24)}
        if device:
            headers["X-Jiandu-Device"] = device.group(1)
        return http, headers, token.group(1) if token else None

    def window_report(self, record: Record, intake_type: str) -> None:
        http, headers, _ = self.citizen()
        record.phone = f"136{self.citizens:08d}"
        body = _ok(http.post("/api/v1/reports", headers=headers, json={
            "point_code": self.window.code, "kind": "report", "category": REPORT_CATEGORIES[intake_type],
            "description": self.text("窗口人员要求反复补材料，暗示“表示一下”"), "anonymous": False,
            "name": "钱多多", "phone": record.phone,
            "photos": ["data:image/jpeg;base64," + base64.b64encode(jpeg()).decode()]}), 201)
        record.case_id, record.report_id = body["case_id"], body["report_id"]

    def bad_rating(self, record: Record, intake_type: str) -> None:
        http, headers, token = self.citizen()
        rating = {"point_code": self.window.code, "kind": "rating", "rating": 5, "reasons": ["rude"],
                  "description": self.text("等了两个小时没人理")}
        if token:
            rating["rating_token"] = token
        body = _ok(http.post("/api/v1/reports", headers=headers, json=rating), 201)
        assert body["case_id"], body  # 非常不满意 opens a case
        record.case_id, record.report_id = body["case_id"], body["report_id"]

    def blocker(self, record: Record, intake_type: str) -> None:
        enterprise = self.clients["enterprise"]
        body = _ok(enterprise.post("/api/v1/blockers", content_type="multipart/form-data",
                                   headers={"Idempotency-Key": f"matrix-{secrets.token_urlsafe(18)}"}, data={
            "category": BLOCKER_CATEGORIES[intake_type],
            "description": self.text("施工许可迟迟不批，办事人员暗示找关系"),
            "department_id": str(self.market.id), "contact_ok": "true",
            "photos": (io.BytesIO(jpeg((30, 120, 200))), "现场.jpg")}), 201)
        record.case_id, record.blocker_id = body["case_id"], body["id"]
        record.blocker_photo_id = body["photos"][0]["id"]

    def finding_writes(self, records: list[tuple[Record, str]]) -> None:
        """The inspector's field visit at the window (GPS, notes) and one finding per record, pushed
        from the phone's outbox as the PWA does, each with a photo uploaded before."""
        visit = str(uuid.uuid4())
        writes = [{"id": visit, "op": "visit.create", "body": {"kind": "experience", "point_id": self.window.id,
                                                                "title": "暗访：窗口办事体验"}},
                  {"id": str(uuid.uuid4()), "op": "visit.record", "body": {
                      "visit_uuid": visit, "latitude": 40.6571, "longitude": 109.8403, "accuracy_m": 12.5,
                      "notes": "排队 40 分钟，窗口人员离岗"}}]
        for record, intake_type in records:
            photo, data = str(uuid.uuid4()), jpeg((90, 160, 60))
            _ok(self.inspector.put(f"/api/v1/uploads/{photo}", data=data,
                                   headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"}))
            writes.append({"id": str(uuid.uuid4()), "op": "finding.create", "body": {
                "visit_uuid": visit, "category": REPORT_CATEGORIES[intake_type],
                "description": self.text("材料第三次被退回，未一次告知"), "photos": [photo]}})
        answer = _ok(self.inspector.post("/api/v1/sync/push", json={"device": "matrix-phone", "writes": writes}))
        statuses = [r["status"] for r in answer["results"]]
        assert statuses == ["applied"] * len(writes), answer["results"]
        self.finding_visit = answer["results"][0]["result"]["visit_id"]
        for (record, _), result in zip(records, answer["results"][2:]):
            record.case_id, record.report_id = result["result"]["case_id"], result["result"]["report_id"]
            record.finding_id = result["result"]["finding_id"]

    def scan(self, record: Record, intake_type: str) -> None:
        """A lead of the coming risk models: opened by the service, naming the department and its window."""
        from jiandu.cases.service import open_case

        case = open_case(channel="risk_model", case_type="lead", category="extortion",
                         summary=self.text("同一窗口三个月内差评与退件异常集中"),
                         jurisdiction_id=self.window.jurisdiction_id, point_id=self.window.id,
                         department_id=self.market.id)
        db.session.commit()
        record.case_id = case.id

    # --- the closed loop ---------------------------------------------------------------------------

    def fields(self, move: str, record: Record) -> dict:
        categories = REPORT_CATEGORIES if record.cell.channel != "blocker" else BLOCKER_CATEGORIES
        category = categories[record.cell.case_type]
        return {"register": {"case_type": record.cell.case_type, "category": category, "severity": "normal"},
                "assign": {"department_id": self.market.id}, "answer": {"result": "已约谈窗口负责人并一次性办结"},
                "return": {"reason": "不属于本单位职责"}, "not_accept": {"reason": "不属于营商环境监督范围"},
                "send_up": {"reason": "涉及本级领导班子成员"}, "hand_over": {"office": "信访室"},
                "return_visit": {"resolved": True, "satisfaction": 5, "method": "phone"}}.get(move, {})

    def walk(self, record: Record) -> None:
        version = _ok(self.inspector.get(f"/api/v1/cases/{record.case_id}"))["version"]
        paths = LEAD_PATHS if record.cell.case_type == "lead" else PATHS
        for move in paths[record.cell.state]:
            actor = self.clients["handler" if move in DEPARTMENT_MOVES else "inspector"]
            body = _ok(actor.post(f"/api/v1/cases/{record.case_id}/actions/{move}",
                                  json={"version": version, **self.fields(move, record)}))
            version = body["version"]
        case = db.session.get(Case, record.case_id)
        db.session.refresh(case)
        expected = CASE_STATE.get(record.cell.state, record.cell.state)
        assert case.state == expected, (record.cell.name, case.state)
        record.number = case.number


def add_the_department_to_the_project(builder: Builder) -> None:
    """The demo project lists the departments of its county; the enterprise may name only those, so
    the admin adds the handler's department to it (as for a city-level approval)."""
    admin = builder.clients["admin"]
    project = _ok(admin.get(f"/api/v1/projects/{builder.project_id}"))
    ids = [d["id"] for d in project.get("departments", [])] + [builder.market.id]
    _ok(admin.patch(f"/api/v1/projects/{builder.project_id}", json={"department_ids": ids}))


def build(app, sign_in) -> World:
    from jiandu.notify.models import OutboxEvent

    builder = Builder(app, sign_in)
    cursors = {name: _ok(api.get("/api/v1/sync/pull"))["cursor"] for name, api in builder.clients.items()}
    first_event_id = db.session.scalar(select(func.coalesce(func.max(OutboxEvent.id), 0)))
    add_the_department_to_the_project(builder)
    visits = builder.places()
    records = [Record(cell) for cell in cells()]
    findings = []
    for record in records:
        cell = record.cell
        intake_type = cell.case_type if cell.case_type in INTAKE_TYPES[cell.channel] else INTAKE_TYPES[cell.channel][0]
        if cell.channel == "finding":
            findings.append((record, intake_type))
        else:
            getattr(builder, cell.channel)(record, intake_type)
    builder.finding_writes(findings)
    visits["window:inspector-found"] = builder.finding_visit
    for record in records:
        builder.walk(record)
    _photos_of_reports(records)
    return World(records, builder.clients, builder.users, cursors, visits, "window:inspector-found", first_event_id,
                 builder.project_id)


def _photos_of_reports(records: list[Record]) -> None:
    from jiandu.intake.models import Photo

    ids = {r.report_id: r for r in records if r.report_id}
    for report_id, photo_id in db.session.execute(select(Photo.report_id, Photo.id).where(Photo.report_id.in_(ids))):
        ids[report_id].report_photo_id = photo_id
