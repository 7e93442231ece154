"""What a user may see: decided here, and only here.

Every list and every lookup goes through `visible()` or `get_visible()`. A record outside a
user's scope does not exist for them: lookups raise NotFound (404), never 403.

A scope is one of:
- a jurisdiction subtree (admins and inspectors of the commission at city or county level);
- a dispatched group: the departments it supervises (group inspectors);
- a department (department handlers);
- a project (enterprise users).
Each scoped model says which of its columns carry jurisdiction, department and project, by a
`__scope_columns__` dict, and may widen that by a `__scope_extra__(scope)` condition of its own;
the rule that turns a scope into a WHERE clause lives below.

Two narrowings protect those who report, and they hold for every model and channel alike:
- The supervised side (a department's staff, an enterprise) reaches a record through its
  department or project column only where the model's gate for that column holds
  (`__scope_gates__ = {"department": fn(scope), "project": fn(scope)}`; `false()` = never). A case
  is theirs only once it was handed to them (转办) and never when it is a lead; a citizen's report,
  which says who reported, never is. The commission's own staff (groups included) are not gated.
- A restricted record (a case sent up, and everything that hangs on it) is for the top level
  only: a model names its restriction by `__scope_restricted__(scope)`, a condition true for such
  rows (None: nothing of it is hidden from this scope, e.g. from the one who reported it).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, false, not_, or_, select

from jiandu.errors import NotFound
from jiandu.extensions import db
from jiandu.org.models import ApiToken, Jurisdiction, Point, Project, Unit, User, group_departments


SUPERVISED_UNIT_KINDS = ("department", "hall")  # a commission's own offices and groups are not


@dataclass(frozen=True)
class Scope:
    user_id: int
    role: str = ""
    jurisdiction_path: str | None = None  # a subtree, for commission staff
    department_ids: frozenset[int] = field(default_factory=frozenset)
    unit_ids: frozenset[int] = field(default_factory=frozenset)  # the group/department itself
    project_ids: frozenset[int] = field(default_factory=frozenset)
    supervised: bool = False  # a department's or an enterprise's staff: the side being supervised
    top_level: bool = False  # the city commission's administrators: the only readers of restricted records

    @property
    def by_jurisdiction(self) -> bool:
        return self.jurisdiction_path is not None

    def jurisdiction_ids(self):
        return select(Jurisdiction.id).where(Jurisdiction.path.startswith(self.jurisdiction_path))

    def where(self, *, jurisdiction=None, department=None, project=None, unit=None, gates=None):
        """The condition for a row whose jurisdiction/department/project/unit sit in these columns;
        `gates` narrows what the supervised side reaches through a column (see the module's text)."""
        if self.by_jurisdiction:
            return jurisdiction.in_(self.jurisdiction_ids()) if jurisdiction is not None else false()
        conditions = []
        if self.department_ids and department is not None:
            conditions.append(self.through(gates, "department", department.in_(self.department_ids)))
        if self.unit_ids and unit is not None:
            conditions.append(self.through(gates, "department", unit.in_(self.unit_ids)))
        if self.project_ids and project is not None:
            conditions.append(self.through(gates, "project", project.in_(self.project_ids)))
        return or_(*conditions) if conditions else false()

    def through(self, gates, column_role: str, condition):
        """`condition` (a row reached through its department or project column) narrowed by the model's
        gate for that column, for the supervised side; the commission's staff pass ungated."""
        gate = (gates or {}).get(column_role) if self.supervised else None
        return condition if gate is None else and_(condition, gate(self))


def is_top_admin(user: User) -> bool:
    """The city's own administrator: the top level, the only reader of records sent up (restricted)
    and the only one whose changes may hold city-wide."""
    return user.role == "admin" and user.unit_id is None and user.jurisdiction.parent_id is None


def scope_of(user: User) -> Scope:
    if user.role in ("admin", "inspector") and user.unit_id is None:
        return Scope(user.id, user.role, jurisdiction_path=user.jurisdiction.path, top_level=is_top_admin(user))
    if user.role == "enterprise":
        return Scope(user.id, user.role, project_ids=frozenset({user.project_id} if user.project_id else ()),
                     supervised=True)
    unit = user.unit
    if unit is None:
        return Scope(user.id, user.role, supervised=True)
    if unit.kind == "group":
        departments = db.session.scalars(
            select(group_departments.c.department_id).where(group_departments.c.group_id == unit.id)
        ).all()
        return Scope(user.id, user.role, department_ids=frozenset(departments), unit_ids=frozenset({unit.id}))
    return Scope(user.id, user.role, department_ids=frozenset({unit.id}), unit_ids=frozenset({unit.id}),
                 supervised=unit.kind in SUPERVISED_UNIT_KINDS)


def never(scope: Scope):
    """A gate that never opens: the supervised side does not reach the record through that column."""
    return false()


def _condition(model, scope: Scope):
    if model is Jurisdiction:
        return _jurisdiction_condition(scope)
    if model is Unit:
        return _unit_condition(scope)
    if model is User:
        return or_(
            User.id == scope.user_id,
            scope.where(jurisdiction=User.jurisdiction_id, unit=User.unit_id, department=User.unit_id,
                        project=User.project_id),
        )
    if model is ApiToken:
        return ApiToken.user_id.in_(select(User.id).where(_condition(User, scope)))
    columns = getattr(model, "__scope_columns__", None)
    if columns is None:
        raise TypeError(f"{model.__name__} has no scope rule")
    gates = getattr(model, "__scope_gates__", None)
    condition = scope.where(gates=gates, **{role: getattr(model, column) for role, column in columns.items()})
    # A model may widen its scope by a rule of its own (cases: the departments that co-handle them);
    # what it adds passes the department's gate too.
    extra = getattr(model, "__scope_extra__", None)
    also = extra(scope) if extra is not None else None
    if also is not None:
        condition = or_(condition, scope.through(gates, "department", also))
    restricted = getattr(model, "__scope_restricted__", None)
    hidden = restricted(scope) if restricted is not None and not scope.top_level else None
    return condition if hidden is None else and_(condition, not_(hidden))


def _jurisdiction_condition(scope: Scope):
    if scope.by_jurisdiction:
        return Jurisdiction.path.startswith(scope.jurisdiction_path)
    # Staff of a group, a department or a project see the jurisdictions their work lies in.
    owning = select(Unit.jurisdiction_id).where(Unit.id.in_(scope.unit_ids | scope.department_ids))
    projects = select(Project.jurisdiction_id).where(Project.id.in_(scope.project_ids))
    return Jurisdiction.id.in_(owning.union(projects))


def _unit_condition(scope: Scope):
    if scope.by_jurisdiction:
        return Unit.jurisdiction_id.in_(scope.jurisdiction_ids())
    halls_with_their_windows = select(Point.hall_id).where(
        or_(Point.department_id.in_(scope.department_ids), Point.project_id.in_(scope.project_ids))
    )
    return or_(Unit.id.in_(scope.unit_ids | scope.department_ids), Unit.id.in_(halls_with_their_windows))


Point.__scope_columns__ = {"jurisdiction": "jurisdiction_id", "department": "department_id", "project": "project_id"}
Project.__scope_columns__ = {"jurisdiction": "jurisdiction_id", "project": "id"}


def visible_condition(model, scope: Scope):
    """The WHERE condition of `model` for a scope (for a gate that follows another record's rule)."""
    return _condition(model, scope)


def visible(user: User, statement_or_model):
    """A SELECT restricted to what the user may see (pass a model or a select of one)."""
    if isinstance(statement_or_model, type):
        model, statement = statement_or_model, select(statement_or_model)
    else:
        statement = statement_or_model
        model = statement.column_descriptions[0]["entity"]
    return statement.where(_condition(model, scope_of(user)))


def is_supervised(user: User) -> bool:
    """Whether the user works on the supervised side (a department, an enterprise)."""
    return scope_of(user).supervised


def get_visible(user: User, model, record_id: int, what: str = "记录"):
    record = db.session.scalar(visible(user, model).where(model.id == record_id))
    if record is None:
        raise NotFound(what)
    return record


def is_visible(user: User, model, record_id: int | None) -> bool:
    if record_id is None:
        return False
    return db.session.scalar(visible(user, select(model.id)).where(model.id == record_id)) is not None
