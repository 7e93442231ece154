"""Routes of the organisation: thin — parse, call the service, dump."""
from flask import after_this_request, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, or_, select

from jiandu import apidoc
from jiandu.errors import ApiError
from jiandu.extensions import db
from jiandu.org import credentials, importer, service
from jiandu.org.auth import csrf_token, current_user, end_session, login_required, start_session
from jiandu.org.login_throttle import account_throttle, address_throttle, remember_device
from jiandu.org.models import ApiToken, Jurisdiction, Point, Unit, User
from jiandu.org.schemas import (
    HallPage, ImportResultSchema, JurisdictionArgs, JurisdictionPage, JurisdictionSchema,
    JurisdictionUpdateSchema, LoginSchema, MeSchema, NewTokenSchema, PasswordChangeSchema,
    PointArgs, PointImportIn, PointPage, PointSchema, PointUpdateSchema, TokenList, TokenRequestSchema,
    UnitArgs, UnitPage, UnitSchema, UnitUpdateSchema, UserArgs, UserPage, UserSchema, UserUpdateSchema,
)
from jiandu.org.scope import get_visible, visible
from jiandu.pagination import paginate

blp = Blueprint("org", __name__, url_prefix="/api/v1", description="Organisation, accounts and sign-in")


def _me(user):
    return {
        "id": user.id, "username": user.username, "display_name": user.display_name, "role": user.role,
        "locale": user.locale, "jurisdiction": user.jurisdiction, "unit": user.unit, "project": user.project,
        "csrf_token": csrf_token() if g.auth == "session" else None,
    }


def _commit():
    db.session.commit()


def _signed_in(user) -> None:
    """A correct password: this client becomes a trusted device for the account (see login_throttle)."""
    after_this_request(lambda response: remember_device(response, user.username))


# --- accounts --------------------------------------------------------------------

@blp.route("/auth/login", methods=["POST"])
@account_throttle
@address_throttle
@blp.arguments(LoginSchema)
@blp.response(200, MeSchema)
def login(data):
    user = service.authenticate(data["username"], data["password"])
    _signed_in(user)
    start_session(user)
    _commit()
    g.auth = "session"
    return _me(user)


@blp.route("/auth/logout", methods=["POST"])
@blp.doc(**apidoc.NO_BODY)
@blp.response(204)
def logout():
    """Sign this device out: its session is revoked, so a copy of the cookie is worthless too."""
    end_session()
    _commit()


@blp.route("/auth/password", methods=["POST"])
@login_required
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
def change_password(data):
    """Change my password; my other sessions and every API token of mine end, this session stays."""
    user = current_user()
    service.change_password(user, data["old_password"], data["new_password"])
    if g.auth == "session":
        start_session(user)  # this device stays signed in; the others are signed out
    _commit()


@blp.route("/auth/token", methods=["POST"])
@account_throttle
@address_throttle
@blp.arguments(TokenRequestSchema)
@blp.response(201, NewTokenSchema)
def create_token(data):
    """A bearer token for a machine client; it expires (API_TOKEN_DAYS at most) and ends with the password."""
    user = service.authenticate(data["username"], data["password"])
    token, plain = credentials.issue_token(user, data.get("name"), data.get("expires_in_days"))
    _signed_in(user)
    _commit()
    return {"id": token.id, "name": token.name, "created_at": token.created_at, "expires_at": token.expires_at,
            "token": plain, "last_used_at": None, "revoked_at": None}


@blp.route("/auth/tokens", methods=["GET"])
@login_required
@blp.response(200, TokenList)
def list_tokens():
    user = current_user()
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
    return {"items": rows.all()}


@blp.route("/auth/tokens/<int:token_id>", methods=["DELETE"])
@login_required
@blp.response(204)
def revoke_token(token_id):
    """Revoke an API token: one of mine, or (admins) one of a user in scope."""
    credentials.revoke_token(current_user(), token_id)
    _commit()


@blp.route("/me", methods=["GET"])
@login_required
@blp.response(200, MeSchema)
def me():
    return _me(current_user())


# --- jurisdictions ------------------------------------------------------------------

@blp.route("/jurisdictions")
class Jurisdictions(MethodView):
    @login_required
    @blp.arguments(JurisdictionArgs, location="query")
    @blp.response(200, JurisdictionPage)
    def get(self, args):
        stmt = visible(current_user(), Jurisdiction).order_by(Jurisdiction.path)
        if "parent" in args:
            stmt = stmt.where(Jurisdiction.parent_id == args["parent"])
        if "level" in args:
            stmt = stmt.where(Jurisdiction.level == args["level"])
        return paginate(stmt, args["page"], args["per_page"])

    @login_required
    @blp.arguments(JurisdictionSchema)
    @blp.response(201, JurisdictionSchema)
    def post(self, data):
        item = service.create_jurisdiction(current_user(), data)
        _commit()
        return item


@blp.route("/jurisdictions/<int:jurisdiction_id>")
class JurisdictionById(MethodView):
    @login_required
    @blp.response(200, JurisdictionSchema)
    def get(self, jurisdiction_id):
        return get_visible(current_user(), Jurisdiction, jurisdiction_id, "辖区")

    @login_required
    @blp.arguments(JurisdictionUpdateSchema)
    @blp.response(200, JurisdictionSchema)
    def patch(self, data, jurisdiction_id):
        item = service.update_jurisdiction(current_user(), jurisdiction_id, data)
        _commit()
        return item


# --- units and halls -------------------------------------------------------------------

def _unit_query(args):
    stmt = visible(current_user(), Unit).order_by(Unit.jurisdiction_id, Unit.id)
    if "kind" in args:
        stmt = stmt.where(Unit.kind == args["kind"])
    if "jurisdiction" in args:
        stmt = stmt.where(Unit.jurisdiction_id == args["jurisdiction"])
    if args.get("q"):
        stmt = stmt.where(Unit.name.contains(args["q"]))
    if "active" in args:
        stmt = stmt.where(Unit.active == args["active"])
    return stmt


@blp.route("/units")
class Units(MethodView):
    @login_required
    @blp.arguments(UnitArgs, location="query")
    @blp.response(200, UnitPage)
    def get(self, args):
        return paginate(_unit_query(args), args["page"], args["per_page"])

    @login_required
    @blp.arguments(UnitSchema)
    @blp.response(201, UnitSchema)
    def post(self, data):
        unit = service.create_unit(current_user(), data)
        _commit()
        return unit


@blp.route("/units/<int:unit_id>")
class UnitById(MethodView):
    @login_required
    @blp.response(200, UnitSchema)
    def get(self, unit_id):
        return get_visible(current_user(), Unit, unit_id, "单位")

    @login_required
    @blp.arguments(UnitUpdateSchema)
    @blp.response(200, UnitSchema)
    def patch(self, data, unit_id):
        unit = service.update_unit(current_user(), unit_id, data)
        _commit()
        return unit


def _with_window_counts(page):
    ids = [hall.id for hall in page["items"]]
    counts = dict(db.session.execute(
        select(Point.hall_id, func.count()).where(Point.hall_id.in_(ids), Point.type == "window", Point.active)
        .group_by(Point.hall_id)
    ).all())
    page["items"] = [
        {"id": h.id, "name": h.name, "address": h.address, "jurisdiction": h.jurisdiction,
         "window_count": counts.get(h.id, 0), "active": h.active}
        for h in page["items"]
    ]
    return page


@blp.route("/halls", methods=["GET"])
@login_required
@blp.arguments(UnitArgs, location="query")
@blp.response(200, HallPage)
def list_halls(args):
    args = {**args, "kind": "hall"}
    return _with_window_counts(paginate(_unit_query(args), args["page"], args["per_page"]))


# --- points -------------------------------------------------------------------------------

@blp.route("/points")
class Points(MethodView):
    @login_required
    @blp.arguments(PointArgs, location="query")
    @blp.response(200, PointPage)
    def get(self, args):
        stmt = visible(current_user(), Point).order_by(Point.hall_id, Point.id)
        for arg, column in (("type", Point.type), ("hall", Point.hall_id), ("department", Point.department_id),
                            ("jurisdiction", Point.jurisdiction_id), ("active", Point.active)):
            if arg in args:
                stmt = stmt.where(column == args[arg])
        if args.get("q"):
            text = args["q"].strip()
            stmt = stmt.where(or_(Point.name.contains(text), Point.code == text.upper(), Point.number == text))
        return paginate(stmt, args["page"], args["per_page"])

    @login_required
    @blp.arguments(PointSchema)
    @blp.response(201, PointSchema)
    def post(self, data):
        point = service.create_point(current_user(), data)
        _commit()
        return point


@blp.route("/points/<int:point_id>")
class PointById(MethodView):
    @login_required
    @blp.response(200, PointSchema)
    def get(self, point_id):
        return get_visible(current_user(), Point, point_id, "点位")

    @login_required
    @blp.arguments(PointUpdateSchema)
    @blp.response(200, PointSchema)
    def patch(self, data, point_id):
        point = service.update_point(current_user(), point_id, data)
        _commit()
        return point


@blp.route("/points/import", methods=["POST"])
@blp.doc(**apidoc.multipart_body(PointImportIn))
@login_required
@blp.response(201, ImportResultSchema)
def import_points():
    """Create points from an Excel (.xlsx) or CSV file (admins)."""
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, "invalid", "请上传 Excel（.xlsx）或 CSV 文件", {"file": "缺少文件"})
    points = importer.import_points(current_user(), upload.filename or "", upload.read())
    _commit()
    return {"created": len(points), "points": points}


# --- users ----------------------------------------------------------------------------------

@blp.route("/users")
class Users(MethodView):
    @login_required
    @blp.arguments(UserArgs, location="query")
    @blp.response(200, UserPage)
    def get(self, args):
        user = current_user()
        service.require_role(user, "admin")
        stmt = visible(user, User).order_by(User.id)
        if "role" in args:
            stmt = stmt.where(User.role == args["role"])
        if args.get("q"):
            stmt = stmt.where(or_(User.username.contains(args["q"]), User.display_name.contains(args["q"])))
        return paginate(stmt, args["page"], args["per_page"])

    @login_required
    @blp.arguments(UserSchema)
    @blp.response(201, UserSchema)
    def post(self, data):
        user = service.create_user(current_user(), data)
        _commit()
        return user


@blp.route("/users/<int:user_id>")
class UserById(MethodView):
    @login_required
    @blp.response(200, UserSchema)
    def get(self, user_id):
        """My own account; admins: an account in their scope."""
        return service.read_user(current_user(), user_id)

    @login_required
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, data, user_id):
        user = service.update_user(current_user(), user_id, data)
        _commit()
        return user
