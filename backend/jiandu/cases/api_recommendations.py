"""Routes of the recommendations (纪检监察建议) issued over closed cases."""
from __future__ import annotations

from flask import request
from sqlalchemy.orm.exc import StaleDataError

from jiandu.cases import bodies, recommendations
from jiandu.cases import schemas as doc
from jiandu.cases.blueprint import before_the_body, blp
from jiandu.errors import Conflict, NotFound
from jiandu.extensions import db
from jiandu.org.auth import current_user, login_required
from jiandu.pagination import MAX_PER_PAGE, paginate


@blp.route("/recommendations", methods=["GET"])
@blp.doc(parameters=[
    {"in": "query", "name": "page", "required": False, "schema": {"type": "integer", "default": 1, "minimum": 1}},
    {"in": "query", "name": "per_page", "required": False,
     "schema": {"type": "integer", "default": 50, "minimum": 1, "maximum": MAX_PER_PAGE}}])
@blp.alt_response(200, schema=doc.RecommendationPage, description="a page of recommendations, newest first")
@login_required
def list_recommendations():
    """The recommendations the user may see, newest first."""
    page = paginate(recommendations.listing(current_user()), request.args.get("page", 1, type=int),
                    min(request.args.get("per_page", 50, type=int), MAX_PER_PAGE))
    page["items"] = [recommendations.view(r) for r in page["items"]]
    return page


@blp.route("/recommendations", methods=["POST"])
@blp.alt_response(201, schema=doc.RecommendationView, description="the recommendation issued")
@login_required
@before_the_body(recommendations.require_inspector)
@blp.arguments(bodies.RecommendationBody)
def create_recommendation(body):
    """Issue a recommendation to a unit over closed cases sharing a systemic cause (inspectors)."""
    rec = recommendations.create(current_user(), body)
    db.session.commit()
    return recommendations.view(rec), 201


@blp.route("/recommendations/<int:rec_id>", methods=["GET"])
@blp.alt_response(200, schema=doc.RecommendationView, description="the recommendation")
@login_required
def get_recommendation(rec_id):
    """One recommendation."""
    return recommendations.view(recommendations.get(current_user(), rec_id))


@blp.route("/recommendations/<int:rec_id>/<step>", methods=["POST"])
@blp.alt_response(200, schema=doc.RecommendationView, description="the recommendation after the step")
@login_required
@blp.arguments(bodies.RecommendationStepBody)
def recommendation_step(body, rec_id, step):
    """step `reply` (the unit's answer) or `recheck` (回头看, inspectors); 409 when stale."""
    if step not in ("reply", "recheck"):
        raise NotFound("操作")
    user = current_user()
    rec = recommendations.get(user, rec_id)
    getattr(recommendations, step)(user, rec, body)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict("该建议已被他人修改，请刷新后再试", code="stale_version")
    return recommendations.view(rec)
