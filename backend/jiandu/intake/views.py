"""Public pages: the window's landing page (/q/<code>), tracking (/t/<token>) and the embed script.

Each page is one request to first paint: its CSS is inline (allowed by its hash in the page's own
Content-Security-Policy), no font is loaded, and the only script is deferred. Without JavaScript
the forms are plain multipart posts answered with a redirect (post/redirect/get).
"""
from __future__ import annotations

import base64
import hashlib
import re
import secrets
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from sqlalchemy import select

from jiandu.errors import ApiError, Invalid
from jiandu.extensions import db
from jiandu.intake import cache as intake_cache
from jiandu import devices
from jiandu.intake import limits, rating_tokens, scripts, service
from jiandu.intake.i18n import TEXT, pick_lang
from jiandu.intake.models import RATING_LEVELS, RATING_LEVELS_EN
from jiandu.intake.parse import submission_from_request
from jiandu.org.models import Point
from jiandu.security import normalise_code
from jiandu.timeutil import to_local

HERE = Path(__file__).parent
bp = Blueprint("intake_pages", __name__, template_folder="templates")

DEVICE_COOKIE = devices.COOKIE
ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


@lru_cache(maxsize=1)
def _css() -> tuple[str, str]:
    css = (HERE / "templates" / "intake" / "_style.css").read_text(encoding="utf-8").strip()
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    return css, f"'sha256-{digest}'"


def _csp(frame_ancestors: str = "'none'") -> str:
    return ("default-src 'none'; script-src 'self'; style-src " + _css()[1] + "; img-src 'self' data: blob:; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors " + frame_ancestors)


def _frame_ancestors(point) -> str:
    """Only a website point's registered origins may frame its pages."""
    if point is None or point.type != "website":
        return "'none'"
    origins = [o.rstrip("/") for o in point.origins if ORIGIN_RE.match(o.rstrip("/"))]
    return " ".join(origins) if origins else "'none'"


def _page(html: str, status: int = 200, point=None) -> Response:
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = _csp(_frame_ancestors(point))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _lang() -> str:
    return pick_lang(request.args.get("lang") or request.form.get("lang"))


def _common(lang: str, **extra) -> dict:
    args = {k: v for k, v in request.args.items() if k in ("embed", "origin", "page")}
    if lang == "zh":
        args["lang"] = "en"
    lang_url = request.path + ("?" + urlencode(args) if args else "")
    return {"t": TEXT[lang], "lang": lang, "css": _css()[0], "lang_url": lang_url,
            "hotline": current_app.config.get("COMMISSION_HOTLINE", "12388"), "embed": False, **extra}


def _query(lang: str, **params) -> str:
    if lang != "zh":
        params["lang"] = lang
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return "?" + urlencode(params) if params else ""


def _message(status: int, heading: str, lines: list[str], lang: str, *, channel=False, back=None, lookup=None,
             point=None):
    html = render_template("intake/message.html", heading=heading, lines=lines, channel=channel, back=back,
                           lookup=lookup, **_common(lang))
    return _page(html, status, point)


def _code_lookup(lang: str) -> dict:
    return {"action": url_for("intake_pages.enter_code"), "label": TEXT[lang]["enter_code"],
            "button": TEXT[lang]["go"]}


@bp.errorhandler(limits.Limited)
def _too_many(error):
    lang = _lang()
    t = TEXT[lang]
    seconds = error.retry_after
    response = _message(429, t["too_many_title"], [t["too_many_body"].format(limits.wait_text(seconds, lang))],
                        lang, back=request.full_path if request.method == "GET" else request.path)
    response.headers["Retry-After"] = str(seconds)
    return response


# --- the landing page ---------------------------------------------------------------------------

def _new_key() -> str:
    return secrets.token_urlsafe(18)


def _device() -> tuple[str, bool]:
    """This browser's device as the server signed it (its cookie), or a new one."""
    kept = devices.kept_cookie()
    if kept:
        return kept, False
    return devices.issue(), True


def _embed_context(point) -> dict:
    if request.values.get("embed") != "1":
        return {"embed": False, "origin": None, "page": None}
    origin = (request.values.get("origin") or "").rstrip("/")
    if not service.point_origin_allowed(point, origin):
        origin = None
    page = (request.values.get("page") or "")[:500] if origin else None
    return {"embed": True, "origin": origin, "page": page}


def _unknown(lang: str, inactive: bool = False):
    t = TEXT[lang]
    return _message(410 if inactive else 404, t["unknown_title"],
                    [t["inactive_body"] if inactive else t["unknown_body"]], lang, channel=True,
                    lookup=_code_lookup(lang))


# Stand-ins for what differs per request in a cached page: the form keys, the device, the rating token.
KEY_RATING, KEY_REPORT, DEVICE = "\x00jd-key-rating\x00", "\x00jd-key-report\x00", "\x00jd-device\x00"
RATING_TOKEN = "\x00jd-rating-token\x00"


def _serve(template: str, frame_ancestors: str, code: str, status: int = 200) -> Response:
    """A landing page from its template (cached or fresh): fresh keys, this device, a rating token for it."""
    device, new_device = _device()
    token = rating_tokens.issue(code, device.split(".", 1)[0])
    html = (template.replace(KEY_RATING, _new_key(), 1).replace(KEY_REPORT, _new_key(), 1)
            .replace(DEVICE, device, 1).replace(RATING_TOKEN, token, 1))
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = _csp(frame_ancestors)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    if new_device:
        response.set_cookie(DEVICE_COOKIE, device, max_age=365 * 86400, httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", True))
    return response


def render_landing(point, lang: str, *, status=200, values=None, errors=None, kind=None, conflict=None,
                   thanks=False, cache_key=None):
    """The landing page of a point; with `values`/`errors` it is the no-script form coming back."""
    en = lang == "en"
    embed = _embed_context(point)
    values = values or {}
    blank = {"rating": "", "reasons": [], "description": "", "category": "", "anonymous": "1", "name": "",
             "phone": ""}
    values_rate = {**blank, **(values if kind == "rating" else {})}
    values_report = {**blank, **(values if kind == "report" else {})}
    options = service.landing_options()

    def label(item):
        return item["name_en"] if en else item["name"]

    levels = list((RATING_LEVELS_EN if en else RATING_LEVELS).items())
    title = service.point_label(point, lang) if point.type != "hall" else point.name
    template = render_template(
        "intake/landing.html", point=point, title=title, label=title, levels=levels,
        good_reasons=[{"code": r["code"], "label": label(r)} for r in options["reasons"] if r["polarity"] == "good"],
        bad_reasons=[{"code": r["code"], "label": label(r)} for r in options["reasons"] if r["polarity"] == "bad"],
        categories=[{"code": c["code"], "label": label(c)} for c in options["categories"]],
        key_rating=KEY_RATING, key_report=KEY_REPORT, device=DEVICE, rating_token=RATING_TOKEN,
        action=url_for("intake_pages.submit_form", code=point.code) + _query(
            lang, embed="1" if embed["embed"] else None),
        values_rate=values_rate, values_report=values_report,
        errors_rate=(errors or {}) if kind == "rating" else {},
        errors_report=(errors or {}) if kind == "report" else {},
        conflict=conflict, thanks=thanks, max_rating_text=service.MAX_RATING_TEXT,
        max_report_text=service.MAX_REPORT_TEXT, min_report_text=service.MIN_REPORT_TEXT,
        script_urls=scripts.urls(scripts.LANDING_SCRIPTS),
        **_common(lang, **embed),
    )
    frame_ancestors = _frame_ancestors(point)
    ttl = intake_cache.seconds()
    if cache_key is not None and ttl and not embed["embed"]:
        intake_cache.pages.put(cache_key, (template, frame_ancestors, point.code), ttl)
    return _serve(template, frame_ancestors, point.code, status)


@bp.get("/q")
@bp.get("/q/")
def enter_code():
    """Type the code off a sign (or follow ?code=…)."""
    lang = _lang()
    code = request.args.get("code")
    if code:
        return redirect(url_for("intake_pages.landing", code=normalise_code(code)[:16] or "-") + _query(lang), 303)
    t = TEXT[lang]
    return _message(200, t["enter_code"], [], lang, lookup=_code_lookup(lang))


def _enterprise_redirect(code: str):
    """A signed-in enterprise user scanning its own project's code goes to the app's blocker form."""
    user = g.get("user")
    if user is None or user.role != "enterprise" or user.project_id is None:
        return None
    point = db.session.execute(select(Point.code, Point.project_id, Point.active).where(
        Point.code == normalise_code(code), Point.type == "project")).first()
    if point is None or not point.active or point.project_id != user.project_id:
        return None
    response = redirect("/#/blockers/new?" + urlencode({"code": point.code}), 303)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/q/<code>")
def landing(code):
    to_app = _enterprise_redirect(code)
    if to_app is not None:
        return to_app
    lang = _lang()
    thanks = request.args.get("thanks") == "1"
    cache_key = None
    if not request.args.get("embed") and intake_cache.seconds():
        # The point's own state is read every time (one indexed row), so a deactivated or edited
        # point is never served from the cache; only hall/department names may lag by the TTL.
        stamp = service.point_stamp(code)
        if stamp is not None and stamp[1]:
            cache_key = (code, lang, thanks, stamp[0])
            cached = intake_cache.pages.get(cache_key)
            if cached is not None:
                return _serve(*cached)
    point = service.point_for_code(code)
    if point is None:
        return _unknown(lang)
    if not point.active:
        return _unknown(lang, inactive=True)
    if point.code != code:  # typed in lower case, with dashes…: one canonical address
        return redirect(url_for("intake_pages.landing", code=point.code) + ("?" + request.query_string.decode()
                                                                            if request.query_string else ""), 301)
    return render_landing(point, lang, thanks=thanks, cache_key=cache_key)


def _form_values() -> dict:
    form = request.form
    return {"rating": form.get("rating", "")[:2], "reasons": form.getlist("reasons")[:20],
            "description": form.get("description", "")[:service.MAX_REPORT_TEXT + 200],
            "category": form.get("category", "")[:40], "anonymous": form.get("anonymous", "1")[:2],
            "name": form.get("name", "")[:40], "phone": form.get("phone", "")[:30]}


@bp.post("/q/<code>")
@limits.submission_limited
def submit_form(code):
    """The landing page's forms without JavaScript: store, then redirect to the receipt (PRG)."""
    lang = _lang()
    point = service.point_for_code(code)
    if point is None:
        return _unknown(lang)
    if not point.active:
        return _unknown(lang, inactive=True)
    kind = request.form.get("kind") if request.form.get("kind") in ("rating", "report") else "report"
    try:
        sub = submission_from_request("form", request.form.get("idem"))
        sub.fields["point_code"] = point.code
        if request.args.get("embed") == "1" and not sub.origin:
            sub.origin = request.args.get("origin")
        outcome = service.submit(sub)
    except Invalid as refusal:
        return render_landing(point, lang, status=422, values=_form_values(), errors=refusal.fields, kind=kind)
    except ApiError as refusal:
        if refusal.status == 409:
            return render_landing(point, lang, status=409, values=_form_values(), kind=kind, conflict=kind)
        if refusal.status == 400:  # a key the page did not make: the page, with a fresh one, and why
            return render_landing(point, lang, status=400, values=_form_values(), errors=refusal.fields, kind=kind)
        raise
    embed = "1" if request.args.get("embed") == "1" else None
    if outcome.body.get("tracking_token"):
        target = url_for("intake_pages.tracking", token=outcome.body["tracking_token"]) + _query(
            lang, new="1", embed=embed)
    else:
        target = url_for("intake_pages.landing", code=point.code) + _query(lang, thanks="1", embed=embed,
                                                                           origin=sub.origin if embed else None)
    response = redirect(target, 303)
    if outcome.replayed:
        response.headers[limits.REPLAY_HEADER] = "true"
    return response


# --- tracking ---------------------------------------------------------------------------------------

@bp.get("/t")
@bp.get("/t/")
def track_lookup():
    lang = _lang()
    code = request.args.get("code")
    if code:
        return redirect(url_for("intake_pages.tracking", token=service.normalise_tracking(code) or "-")
                        + _query(lang), 303)
    t = TEXT[lang]
    return _message(200, t["track_lookup"], [], lang, lookup={
        "action": url_for("intake_pages.track_lookup"), "label": t["track_code"], "button": t["track_lookup_btn"]})


def _local(iso_or_dt) -> str:
    moment = datetime.fromisoformat(iso_or_dt.replace("Z", "")) if isinstance(iso_or_dt, str) else iso_or_dt
    return f"{to_local(moment):%Y-%m-%d %H:%M}"


def render_tracking(report, token: str, lang: str, *, status=200, errors=None):
    timeline = service.public_timeline(report, lang)
    for event in timeline["events"]:
        event["local"] = _local(event["at"])
    embed = request.args.get("embed") == "1"
    html = render_template(
        "intake/track.html", tl=timeline, code=service.format_tracking(service.normalise_tracking(token)),
        token=service.normalise_tracking(token),
        new=request.args.get("new") == "1", feedback_saved=request.args.get("fb") == "1", errors=errors or {},
        submitted_local=_local(report.created_at),
        satisfaction=list((service.SATISFACTION_EN if lang == "en" else service.SATISFACTION).items()),
        feedback_action=url_for("intake_pages.tracking_feedback", token=token) + _query(
            lang, embed="1" if embed else None),
        script_urls=scripts.urls(scripts.TRACKING_SCRIPTS),
        **_common(lang, embed=embed),
    )
    response = _page(html, status, report.point if embed else None)
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the address
    return response


def _not_found_tracking(lang: str):
    t = TEXT[lang]
    return _message(404, t["track_not_found"], [], lang, channel=True, lookup={
        "action": url_for("intake_pages.track_lookup"), "label": t["track_code"], "button": t["track_lookup_btn"]})


@bp.get("/t/<token>")
@limits.tracking_limited
def tracking(token):
    lang = _lang()
    report = service.report_by_token(token)
    if report is None:
        return _not_found_tracking(lang)
    return render_tracking(report, token, lang)


@bp.post("/t/<token>/feedback")
@limits.tracking_limited
def tracking_feedback(token):
    lang = _lang()
    report = service.report_by_token(token)
    if report is None:
        return _not_found_tracking(lang)
    try:
        service.record_feedback(report, request.form)
        db.session.commit()
    except Invalid as refusal:
        db.session.rollback()
        return render_tracking(report, token, lang, status=422, errors=refusal.fields)
    except ApiError as refusal:
        db.session.rollback()
        return render_tracking(report, token, lang, status=refusal.status, errors={"_": refusal.message})
    embed = "1" if request.args.get("embed") == "1" else None
    return redirect(url_for("intake_pages.tracking", token=token) + _query(lang, fb="1", embed=embed), 303)


# --- scripts ------------------------------------------------------------------------------------------

@bp.get("/intake/static/<name>")
def static_file(name):
    return scripts.page_script(name)


@bp.get("/embed.js")
def embed_script():
    """`<script src=".../embed.js" data-code="…">`: the 我要监督 button for a website point's pages."""
    return scripts.embed_script()
