"""Who sees what of a case: the role × channel × case-type × state matrix of issue 13.

The rule: a department sees a case only from 转办 to it, never a lead, never who reported (no
report, contact or photo of a citizen); an enterprise never sees a case file, only its own
blockers; a case sent up (restricted) hides itself, its report, photos and contact from everyone
below the top level; the commission's staff (dispatched groups included) see everything in their
scope, leads and reports too. Visits are the commission's alone.

The expected visibility is the small oracle below, written from that rule and not from what the code
does. The world is made over HTTP as its users make it (tests/support/visibility_world.py): one
case per channel × type × state. Every cell is then looked at the way its viewer would look (the
ledger, the case, the Excel export, the sync pull, the notifications the catalog computes, the
report, its contact and photos, the blocker, the visit), and one assertion names every cell where
the two differ: viewer-channel-type-state-aspect.
"""
from __future__ import annotations

import io
from collections import defaultdict

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from jiandu.extensions import db
from tests.support.visibility_world import MARK, VIEWERS, Cell, World, build

# --- the oracle ---------------------------------------------------------------------------------------

TOP_LEVEL = {"admin"}  # the city commission's administrators
COMMISSION = {"admin", "inspector", "county-inspector", "group-inspector", "market-group-inspector"}
# Where each viewer's scope reaches in this world: the city (every place of it), the handler's
# department (包头市市场监督管理局), the demo project. The county inspector's 昆都仑区 and the demo group's
# departments hold nothing of this world.
REACH = {"admin": {"city"}, "inspector": {"city"}, "county-inspector": set(), "group-inspector": set(),
         "market-group-inspector": {"department"}, "handler": {"department"}, "enterprise": {"project"}}
# Where each viewer works, and so what its sync pull is about: visits (the commission), a self-check
# task (the department at its window, the enterprise on its project).
PLACES = {"admin": {"window", "project"}, "inspector": {"window", "project"}, "county-inspector": set(),
          "group-inspector": set(), "market-group-inspector": {"window"}, "handler": {"window"},
          "enterprise": {"project"}}
HANDED_OVER_TO_THE_DEPARTMENT = {"assigned", "signed", "answered", "verified", "revisited", "closed"}
OPEN = {"received", "registered", "assigned", "signed", "answered", "verified", "revisited", "returned"}


def _place(cell: Cell) -> str:
    return "project" if cell.channel == "blocker" else "window"


def _names_the_department(cell: Cell) -> bool:
    """Every case of the world is about the handler's department (its window, or named by the
    enterprise or the risk model), until the department returns it as not its own (退回)."""
    return cell.state != "returned"


def case_visible(viewer: str, cell: Cell) -> bool:
    if cell.state == "sent_up" and viewer not in TOP_LEVEL:
        return False
    if viewer == "enterprise":
        return False  # never a case file: it follows its blockers
    if viewer == "handler":
        return (_names_the_department(cell) and cell.state in HANDED_OVER_TO_THE_DEPARTMENT
                and cell.case_type != "lead")
    return "city" in REACH[viewer] or ("department" in REACH[viewer] and _names_the_department(cell))


def report_visible(viewer: str, cell: Cell) -> bool:
    """A citizen's report (or a finding's): it says who reported, where and when."""
    if viewer not in COMMISSION or (cell.state == "sent_up" and viewer not in TOP_LEVEL):
        return False
    return bool(REACH[viewer] & {"city", "department"})


def blocker_visible(viewer: str, cell: Cell) -> bool:
    if viewer == "enterprise":
        return True  # its own report, whatever became of its case
    if cell.state == "sent_up" and viewer not in TOP_LEVEL:
        return False
    if viewer == "handler":
        return case_visible(viewer, cell)
    return bool(REACH[viewer] & {"city", "department"})


def visit_visible(viewer: str, place: str) -> bool:
    if viewer not in COMMISSION:
        return False
    return "city" in REACH[viewer] or (place == "window" and "department" in REACH[viewer])


def expected(viewer: str, cell: Cell, aspect: str) -> bool:
    case = case_visible(viewer, cell)
    if aspect in ("list", "read", "export"):
        return case
    if aspect == "pull_since":
        return case and _place(cell) in PLACES[viewer]
    if aspect == "pull":  # a full pull: the open cases only
        return case and _place(cell) in PLACES[viewer] and cell.state in OPEN
    if aspect == "notified":  # may be told: only of what one may open (the enterprise: its blocker's progress)
        return case or (viewer == "enterprise" and cell.channel == "blocker")
    if aspect == "phone_outside_contact":
        return False  # the contact is revealed only through /contact, and audited
    if aspect in ("report_list", "report_read", "contact", "photo"):
        return report_visible(viewer, cell)
    if aspect in ("blocker_list", "blocker_read", "blocker_photo"):
        return blocker_visible(viewer, cell)
    if aspect == "reporter_named":
        return blocker_visible(viewer, cell) and viewer in COMMISSION
    if aspect == "in_visit":  # the finding, in its visit's record
        return visit_visible(viewer, "window") and (cell.state != "sent_up" or viewer in TOP_LEVEL)
    raise AssertionError(aspect)


ASPECTS = {
    "window_report": ("report_list", "report_read", "contact", "photo", "phone_outside_contact"),
    "bad_rating": ("report_list", "report_read"),
    "blocker": ("blocker_list", "blocker_read", "blocker_photo", "reporter_named"),
    "finding": ("report_list", "report_read", "photo", "in_visit"),
    "scan": (),
}
CASE_ASPECTS = ("list", "read", "export", "pull", "pull_since", "notified")
MAY_ONLY = {"notified"}  # the oracle says who may be told, not who must


# --- looking, as each viewer looks ------------------------------------------------------------------

class Look:
    """What one viewer sees of the world, over HTTP (and, for notifications, the catalog's recipients)."""

    def __init__(self, world: World, viewer: str, notified: dict[int, set[str]]):
        self.world, self.viewer, self.api = world, viewer, world.clients[viewer]
        self.notified = notified
        self.errors: list[str] = []
        self.texts: list[str] = []  # every JSON answer but the contact's, to look for a reporter's phone
        self.listed = self._ids("/api/v1/cases", {"q": MARK, "per_page": 200})
        self.exported = self._exported()
        self.pulled = self._pulled({})
        self.pulled_since = self._pulled({"since": world.cursors[viewer]})
        self.reports = self._ids("/api/v1/reports", {"q": MARK, "per_page": 200})
        self.blockers = self._ids("/api/v1/blockers", {"project": world.project_id, "per_page": 200})
        self.visits = self._all_visits()
        self.in_visit = self._findings_of(world.visits[world.finding_visit])

    def _get(self, url: str, query=None, name: str = ""):
        response = self.api.get(url, query_string=query or {})
        if response.status_code not in (200, 403, 404):
            self.errors.append(f"{self.viewer}-{name or url}: HTTP {response.status_code} "
                               f"{response.get_data(as_text=True)[:200]}")
        if response.status_code != 200:
            return None
        if response.is_json and not url.endswith("/contact"):
            self.texts.append(response.get_data(as_text=True))
        return response

    def _ids(self, url: str, query: dict) -> set[int]:
        response = self._get(url, query)
        if response is None:
            return set()
        body = response.get_json()
        assert len(body["items"]) < 200, f"{url}: more than one page for {self.viewer}"
        return {item["id"] for item in body["items"]}

    def _exported(self) -> set[str]:
        response = self._get("/api/v1/cases/export.xlsx", {"q": MARK})
        if response is None:
            return set()
        sheet = load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
        return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}

    def _pulled(self, query: dict) -> set[int]:
        response = self._get("/api/v1/sync/pull", query)
        if response is None:
            return set()
        return {case["id"] for case in response.get_json()["cases"]}

    def _all_visits(self) -> set[int]:
        found, page = set(), 1
        while True:
            response = self._get("/api/v1/visits", {"all": "1", "per_page": 200, "page": page})
            items = response.get_json()["items"] if response is not None else []
            found |= {v["id"] for v in items}
            if len(items) < 200:
                return found
            page += 1

    def _findings_of(self, visit_id: int) -> set[int]:
        response = self._get(f"/api/v1/visits/{visit_id}")
        return {f["id"] for f in response.get_json()["findings"]} if response is not None else set()

    def seen(self, url: str, name: str) -> bool:
        return self._get(url, name=name) is not None

    def sees(self, record, aspect: str) -> bool:
        """Whether this viewer sees `aspect` of the record's case (a list holding it, an answer of 200…)."""
        name = f"{record.cell.name}-{aspect}"
        report, blocker = f"/api/v1/reports/{record.report_id}", f"/api/v1/blockers/{record.blocker_id}"
        held = {"list": record.case_id in self.listed, "export": record.number in self.exported,
                "pull": record.case_id in self.pulled, "pull_since": record.case_id in self.pulled_since,
                "notified": self.viewer in self.notified.get(record.case_id, set()),
                "report_list": record.report_id in self.reports, "blocker_list": record.blocker_id in self.blockers,
                "in_visit": record.finding_id in self.in_visit}
        if aspect in held:
            return held[aspect]
        if aspect == "phone_outside_contact":  # its record's last aspect: every answer about it is in
            return any(record.phone in text for text in self.texts)
        if aspect == "reporter_named":
            response = self._get(blocker, name=name)
            return response is not None and "reporter" in response.get_json()
        url = {"read": f"/api/v1/cases/{record.case_id}", "report_read": report, "contact": f"{report}/contact",
               "photo": f"{report}/photos/{record.report_photo_id}", "blocker_read": blocker,
               "blocker_photo": f"{blocker}/photos/{record.blocker_photo_id}"}[aspect]
        return self.seen(url, name)


def notifications(world: World) -> dict[int, set[str]]:
    """Case id → the viewers the notify catalog would tell of it now: for every event the world's
    moves put in the outbox, and for each deadline event the scan may raise about any case."""
    from jiandu.notify.rules import messages_for
    from jiandu.notify.models import OutboxEvent

    by_user = {user.id: name for name, user in world.users.items()}
    events = defaultdict(list)
    for event in db.session.scalars(select(OutboxEvent).where(OutboxEvent.id > world.first_event_id)):
        if (event.payload or {}).get("case_id"):
            events[int(event.payload["case_id"])].append((event.kind, event.payload))
    for record in world.records:
        base = {"case_id": record.case_id, "number": record.number}
        events[record.case_id] += [(kind, base) for kind in ("case.yellow", "case.red", "case.reminder",
                                                             "case.escalation", "case.park_review")]
    told = defaultdict(set)
    for case_id, kinds in events.items():
        for kind, payload in kinds:
            told[case_id] |= {by_user[m.user_id] for m in messages_for(kind, payload) if m.user_id in by_user}
    return told


# --- the matrix ---------------------------------------------------------------------------------------

@pytest.fixture
def world(app, as_user, tmp_path, monkeypatch) -> World:
    from jiandu.intake import cache

    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "INTAKE_PAGE_CACHE_SECONDS", 0)  # a cached page would outlive the rollback
    cache.clear()
    yield build(app, as_user)
    cache.clear()


def _differs(aspect: str, want: bool, got: bool) -> bool:
    if aspect in MAY_ONLY:
        return got and not want
    return got != want


def test_each_role_sees_a_case_only_as_the_scope_rule_says(world):
    told = notifications(world)
    broken, checked = [], 0
    for viewer in VIEWERS:
        look = Look(world, viewer, told)
        for record in world.records:
            for aspect in CASE_ASPECTS + ASPECTS[record.cell.channel]:
                want, got = expected(viewer, record.cell, aspect), look.sees(record, aspect)
                checked += 1
                if _differs(aspect, want, got):
                    broken.append(f"{viewer}-{record.cell.name}-{aspect}: expected {want}, got {got}")
        for label, visit_id in world.visits.items():
            want = visit_visible(viewer, label.split(":")[0])
            for aspect, got in (("list", visit_id in look.visits),
                                ("read", look.seen(f"/api/v1/visits/{visit_id}", f"visit-{label}"))):
                checked += 1
                if got != want:
                    broken.append(f"{viewer}-visit-{label}-{aspect}: expected {want}, got {got}")
        broken += look.errors
    # The notification cells say only who must not be told: they mean something only if some are told.
    for viewer, channel in (("handler", "window_report"), ("inspector", "window_report"), ("enterprise", "blocker")):
        if not any(viewer in told.get(r.case_id, ()) for r in world.records if r.cell.channel == channel):
            broken.append(f"{viewer}-{channel}-notified: nobody of this kind was told of anything (vacuous)")
    assert not broken, f"{len(broken)} of {checked} cells broken:\n" + "\n".join(sorted(broken))
