"""Who may do what, refusals that change nothing, versions, and the state derived from the events."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from jiandu.cases import handling, service
from jiandu.cases.models import Case
from jiandu.errors import ApiError, NotFound
from jiandu.extensions import db
from jiandu.org.models import Unit

from .test_lifecycle_api import move, register_and_assign


@pytest.mark.parametrize("username, status", [
    ("inspector", 200), ("admin", 200), ("county-inspector", 404), ("kdl-admin", 404), ("handler", 200),
    ("tax-handler", 404), ("kdl-handler", 404), ("group-inspector", 404), ("enterprise", 404),
])
def test_who_sees_an_assigned_city_case(as_user, make_case, market, username, status):
    case = make_case()
    register_and_assign(as_user("inspector"), case.id, market.id)
    assert as_user(username).get(f"/api/v1/cases/{case.id}").status_code == status


def test_permission_matrix_for_moves(as_user, make_case, market):
    case = make_case()
    inspector, handler = as_user("inspector"), as_user("handler")
    # A handler cannot register: the case is not even theirs yet (404), once assigned they still cannot.
    assert move(handler, case.id, "register", expect=404, case_type="service_request", category="x") is not None \
        if handler.get(f"/api/v1/cases/{case.id}").status_code == 200 else True
    register_and_assign(inspector, case.id, market.id)
    refused = move(inspector, case.id, "sign", expect=403)
    assert "承办单位" in refused["error"]["message"]
    refused = move(handler, case.id, "urge", expect=403)
    assert "纪检监察" in refused["error"]["message"]
    refused = move(handler, case.id, "escalate", expect=403, level=1)
    move(handler, case.id, "sign")
    assert move(handler, case.id, "verify", expect=409)["error"]["code"] == "wrong_state"
    move(handler, case.id, "answer", result="已处理")
    assert move(handler, case.id, "verify", expect=403)


def test_group_inspector_acts_on_the_departments_of_the_group(as_user, make_case, users):
    group = users["group-inspector"].unit
    department = group.supervised_departments[0]
    case = make_case("发改窗口推诿", point_id=None, department_id=None)
    inspector, group_inspector = as_user("inspector"), as_user("group-inspector")
    assert group_inspector.get(f"/api/v1/cases/{case.id}").status_code == 404  # not routed to them yet
    register_and_assign(inspector, case.id, department.id)
    assert group_inspector.get(f"/api/v1/cases/{case.id}").status_code == 200
    assert move(group_inspector, case.id, "urge")["state"] == "assigned"
    # It may re-route only inside the group: after a return, assigning outside is refused.
    move(inspector, case.id, "escalate", level=1)
    other = db.session.scalar(select(Unit).where(Unit.kind == "department", Unit.id.not_in(
        [d.id for d in group.supervised_departments])))
    case_row = db.session.get(Case, case.id)
    assert service.roles_of(users["group-inspector"], case_row) == {"inspector"}
    with pytest.raises(ApiError) as refused:
        handling.department_for(users["group-inspector"], other.id)
    assert refused.value.status == 422


def test_a_refused_move_changes_nothing(as_user, make_case):
    case = make_case()
    inspector = as_user("inspector")
    before = inspector.get(f"/api/v1/cases/{case.id}").get_json()
    for action, fields, status in (("sign", {}, 409), ("answer", {"result": "x"}, 409), ("nonsense", {}, 404),
                                   ("register", {"case_type": "nope", "category": "x"}, 422),
                                   ("register", {}, 422)):
        move(inspector, case.id, action, expect=status, **fields)
    after = inspector.get(f"/api/v1/cases/{case.id}").get_json()
    assert after["version"] == before["version"] and after["events"] == before["events"]
    assert after["state"] == "received"


def test_stale_version_is_409_with_the_current_state(as_user, make_case):
    case = make_case()
    a, b = as_user("inspector"), as_user("admin")
    version = a.get(f"/api/v1/cases/{case.id}").get_json()["version"]
    first = a.post(f"/api/v1/cases/{case.id}/actions/register",
                   json={"version": version, "case_type": "service_request", "category": "办事效率"})
    assert first.status_code == 200
    second = b.post(f"/api/v1/cases/{case.id}/actions/not_accept", json={"version": version, "reason": "重复"})
    assert second.status_code == 409
    error = second.get_json()["error"]
    assert error["code"] == "stale_version" and error["state"] == "registered" and error["version"] > version
    assert a.get(f"/api/v1/cases/{case.id}").get_json()["state"] == "registered"


def test_two_writers_at_once_only_one_wins(make_case, users):
    """The race the version check in Python cannot see: the UPDATE carries `WHERE version = old`."""
    case = make_case()
    version = case.version
    # Another transaction registers the case meanwhile (simulated by a bare UPDATE of the row).
    db.session.execute(update(Case).where(Case.id == case.id).values(version=Case.version + 1, state="registered")
                       .execution_options(synchronize_session=False))
    with pytest.raises(StaleDataError):
        service.act(users["inspector"], case, "not_accept", {"reason": "重复"}, version=version)  # stale in memory
        db.session.flush()
    db.session.rollback()


def test_restricted_cases_are_not_found(users, make_case):
    case = make_case()
    service.act(users["inspector"], case, "send_up", {"reason": "涉及本级领导"}, version=case.version)
    db.session.commit()
    with pytest.raises(NotFound):
        service.get_case(users["inspector"], case.id)
    assert service.get_case(users["admin"], case.id).state == "sent_up"


# --- state derived from events, over long random sequences -----------------------------------------

ACTORS = ("inspector", "handler", "tax-handler", "admin")
FIELDS = {
    "register": [{"case_type": "service_request", "category": "办事效率"}, {"case_type": "lead", "category": "线索"},
                 {"case_type": "work_style", "category": "作风"}, {}],
    "not_accept": [{"reason": "不属于受理范围"}, {}],
    "merge": [{"into_case_id": -1}, {"into_case_id": 0}],
    "hand_over": [{"office": "信访室"}],
    "send_up": [{"reason": "涉及本级领导"}],
    "assign": [{"department_id": "market"}, {"department_id": "tax"}, {"department_id": 999999}],
    "sign": [{}],
    "return": [{"reason": "不属本部门职责"}, {}],
    "request_extension": [{"days": 3, "reason": "需现场核实"}, {"days": 0, "reason": "x"}],
    "decide_extension": [{"approve": True}, {"approve": False, "note": "不同意"}, {"approve": False}],
    "answer": [{"result": "已处理", "measures": "建立制度"}, {}],
    "verify": [{}],
    "send_back": [{"reason": "未整改到位"}],
    "urge": [{}],
    "escalate": [{"level": 1}, {"level": 3}, {"level": 9}],
    "park": [{"reason": "历史遗留", "review_days": 30}],
    "review_parked": [{"note": "仍在协调"}],
    "unpark": [{}],
    "return_visit": [{"resolved": True, "satisfaction": 5}, {"resolved": False, "satisfaction": 1},
                     {"resolved": True, "satisfaction": 7}],
    "close": [{"note": "匿名无法回访"}, {}],
    "reopen": [{"reason": "群众不满意"}],
}
steps = st.lists(st.tuples(st.sampled_from(ACTORS), st.sampled_from(sorted(FIELDS)), st.integers(0, 3),
                           st.integers(0, 9), st.booleans(), st.integers(0, 20)), min_size=20, max_size=80)
REACHED = set()
FORWARD = ("register", "assign", "sign", "answer", "verify", "return_visit", "close", "reopen")


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(steps=steps)
def test_state_is_the_fold_of_the_events(users, make_case, steps):
    case = make_case()
    other = make_case("另一件")
    departments = {"market": users["handler"].unit_id, "tax": users["tax-handler"].unit_id}
    reporter_visits = 0
    for actor_name, action, variant, stale, by_reporter, pick in steps:
        stale = stale == 0  # now and then a stale version
        if pick < 14:  # mostly a move the table allows now, by someone allowed to make it (else: anything)
            options = [(name, a) for name in ACTORS for a in service.allowed_actions(users[name], case)]
            forward = [o for o in options if o[1] in FORWARD]
            if forward and pick < 7:
                actor_name, action = forward[0]
            elif options:
                actor_name, action = options[pick % len(options)]
                variant = 0 if pick % 3 else variant
        fields = dict(FIELDS[action][variant % len(FIELDS[action])])
        if fields.get("department_id") in departments:
            fields["department_id"] = departments[fields["department_id"]]
        if "into_case_id" in fields:
            fields["into_case_id"] = other.id if fields["into_case_id"] == -1 else case.id
        before = (case.state, case.version, len(case.events))
        if action == "return_visit" and by_reporter and case.state == "verified":
            service.reporter_return_visit(case, True, 5 if variant else 2)
            reporter_visits += 1
        else:
            try:
                service.act(users[actor_name], case, action, fields, version=case.version - stale)
            except ApiError:
                db.session.rollback()
                db.session.refresh(case)
                assert (case.state, case.version, len(case.events)) == before  # refused: nothing changed
                continue
        db.session.commit()
        assert case.version > before[1]
        assert service.derive_state(case.events) == case.state
        db.session.expire_all()
        reloaded = db.session.get(Case, case.id)
        assert service.derive_state(reloaded.events) == reloaded.state
        case = reloaded
        REACHED.add(case.state)


def test_the_random_walks_went_deep():
    assert {"assigned", "signed", "answered", "verified", "revisited", "closed"} <= REACHED, REACHED


def test_derive_state_rejects_an_impossible_history():
    class E:
        def __init__(self, action, from_state, to_state):
            self.action, self.from_state, self.to_state = action, from_state, to_state

    ok = [E("receive", None, "received"), E("register", "received", "registered")]
    assert service.derive_state(ok) == "registered"
    with pytest.raises(service.InconsistentEvents):
        service.derive_state(ok + [E("sign", "registered", "signed")])
    with pytest.raises(service.InconsistentEvents):
        service.derive_state([E("register", None, "registered")])
