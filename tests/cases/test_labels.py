"""The categories a case may carry come from the channels that registered them (cases knows none)."""
from jiandu.cases import labels
from jiandu.intake.service import all_categories
from jiandu.projects.service import category_labels


def test_meta_lists_intakes_categories_then_a_bad_rating_then_the_blocker_categories(app, as_user):
    body = as_user("inspector").get("/api/v1/cases/meta").get_json()
    keys = [c["key"] for c in body["categories"]]
    intake = [c.code for c in all_categories()]
    blockers = sorted(code for code in category_labels() if code not in intake)
    assert keys == [*intake, "bad_rating", *blockers]
    assert body["categories"][len(intake)] == labels.BAD_RATING


def test_a_source_registered_again_replaces_its_lookup(app):
    before = labels.categories()
    labels.register_categories("test-channel", lambda: {"zz_test": "测试类别"})
    try:
        labels.register_categories("test-channel", lambda: {"zz_other": "另一类别"})
        assert labels.category_labels()["zz_other"] == "另一类别" and "zz_test" not in labels.category_labels()
    finally:
        labels._LOOKUPS.pop("test-channel")
    assert labels.categories() == before
