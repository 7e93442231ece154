import random

from sqlalchemy import func, select

from jiandu.cases.models import Case
from jiandu.cases.service import derive_state
from jiandu.demo.cases import seed_cases
from jiandu.extensions import db


def test_demo_cases_cover_every_state_and_both_colours(app):
    assert seed_cases(random.Random(1))["cases"] > 20
    states = dict(db.session.execute(select(Case.state, func.count()).group_by(Case.state)).all())
    assert {"received", "registered", "assigned", "signed", "answered", "verified", "revisited", "closed",
            "not_accepted", "merged", "handed_over", "parked"} <= set(states)
    warnings = set(db.session.scalars(select(Case.warning)))
    assert {"yellow", "red"} <= warnings
    for case in db.session.scalars(select(Case)):
        assert derive_state(case.events) == case.state
