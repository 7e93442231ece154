"""Build the demo city (包头市) from `jiandu.demo.data` in the current database session.

Deterministic: every choice is made with one `random.Random(DEMO_SEED)`, in a fixed order, so two
runs into two empty databases give the same records, supervision codes included.
"""
from __future__ import annotations

import random

from sqlalchemy import select

from jiandu.demo import data
from jiandu.demo.cases import seed_cases
from jiandu.demo.projects import seed_projects
from jiandu.extensions import db
from jiandu.intake.service import seed_categories
from jiandu.org.models import Jurisdiction, Point, Project, Unit, User
from jiandu.projects import credit_code
from jiandu.security import hash_password, new_code

DEMO_SEED = 20261126
DEMO_PASSWORD = "jiandu-demo"



def demo_enterprises() -> list[dict]:
    """The demo projects' enterprises with their full credit codes (for data sets and analyses)."""
    return [{"key": e["key"], "name": e["name"], "credit_code": credit_code.make(e["division_code"], e["org_body"])}
            for e in data.ENTERPRISES]


# --- seeding ------------------------------------------------------------------------------------

def demo_is_seeded() -> bool:
    return db.session.scalar(select(Jurisdiction.id).limit(1)) is not None


def _allocate(total: int, weights: list[tuple[str, float]], rng: random.Random) -> dict[str, int]:
    """Split `total` windows over departments by weight (with some jitter), at least one each."""
    jittered = [(key, weight * rng.uniform(0.8, 1.25)) for key, weight in weights]
    whole = sum(w for _, w in jittered)
    raw = {key: total * w / whole for key, w in jittered}
    counts = {key: max(1, int(value)) for key, value in raw.items()}
    keys = [key for key, _ in jittered]
    by_fraction = sorted(keys, key=lambda k: (-(raw[k] - int(raw[k])), keys.index(k)))
    diff = total - sum(counts.values())
    i = 0
    while diff > 0:
        counts[by_fraction[i % len(by_fraction)]] += 1
        diff -= 1
        i += 1
    while diff < 0:
        biggest = max(keys, key=lambda k: (counts[k], -keys.index(k)))
        counts[biggest] -= 1
        diff += 1
    return counts


def _window_names(names: list[str], count: int, rng: random.Random) -> list[str]:
    """One window for each service first, then more windows for the two commonest; grouped by name."""
    chosen = [names[i] if i < len(names) else rng.choice(names[:2]) for i in range(count)]
    return sorted(chosen, key=names.index)


def _department_name(spec: dict, county: str) -> str:
    template = spec.get("district") if data.is_district(county) and spec.get("district") else spec["county"]
    return template.format(c=county)


def seed_demo(password: str = DEMO_PASSWORD) -> dict:
    """Create the demo city in the current session (flushed, not committed); return the counts."""
    if demo_is_seeded():
        raise RuntimeError("数据库中已有辖区，演示数据只能写入空库")
    rng = random.Random(DEMO_SEED)
    session = db.session
    used_codes: set[str] = set()

    def code() -> str:
        while True:
            candidate = new_code(rng)
            if candidate not in used_codes:
                used_codes.add(candidate)
                return candidate

    # Jurisdictions: city, counties, towns; `path` needs the ids, so one flush per level.
    city = Jurisdiction(name=data.CITY["name"], level="city", division_code=data.CITY["division_code"])
    session.add(city)
    session.flush()
    city.path = f"/{city.id}/"
    jurisdictions = {city.name: city}
    counties = [Jurisdiction(name=c["name"], level="county", division_code=c["division_code"], parent_id=city.id)
                for c in data.COUNTIES]
    session.add_all(counties)
    session.flush()
    for county in counties:
        county.path = f"{city.path}{county.id}/"
        jurisdictions[county.name] = county
    towns = []
    for county_name, names in data.TOWNS.items():
        parent = jurisdictions[county_name]
        towns += [Jurisdiction(name=name, level="town", parent_id=parent.id, parent=parent) for name in names]
    session.add_all(towns)
    session.flush()
    for town in towns:
        town.path = f"{town.parent.path}{town.id}/"
        assert town.name not in jurisdictions, town.name
        jurisdictions[town.name] = town

    # Units: commissions, departments (city + county copies), dispatched groups, halls.
    units: list[Unit] = []
    commissions = [Unit(name=f"{j.name}{data.COMMISSION_SUFFIX}", kind="commission", jurisdiction_id=j.id)
                   for j in [city, *counties]]
    units += commissions
    departments: dict[tuple[str, str], Unit] = {}
    for spec in data.DEPARTMENTS:
        departments[(spec["key"], city.name)] = Unit(name=spec["city"], kind="department", jurisdiction_id=city.id)
    for county in counties:
        for spec in data.DEPARTMENTS:
            if spec["county"]:
                departments[(spec["key"], county.name)] = Unit(
                    name=_department_name(spec, county.name), kind="department", jurisdiction_id=county.id)
    units += departments.values()
    groups = []
    for spec in data.GROUPS:
        group = Unit(name=spec["name"], kind="group", jurisdiction_id=city.id)
        group.supervised_departments = [departments[(key, city.name)] for key in spec["departments"]]
        groups.append(group)
    units += groups
    halls = [Unit(name=h["name"], kind="hall", jurisdiction_id=jurisdictions[h["jurisdiction"]].id,
                  address=h["address"]) for h in data.HALLS]
    units += halls
    session.add_all(units)

    # Projects.
    enterprises = {e["key"]: e["name"] for e in data.ENTERPRISES}
    projects = [Project(name=p["name"], project_code=p["code"], owner_enterprise=enterprises[p["owner"]],
                        construction_enterprise=enterprises[p["construction"]],
                        jurisdiction_id=jurisdictions[p["jurisdiction"]].id, location=p["location"],
                        stage=p["stage"], investment_wan=p["investment_wan"]) for p in data.PROJECTS]
    session.add_all(projects)
    session.flush()

    # Points: per hall one hall point and its windows, numbered 1..N in hall order.
    specs = {spec["key"]: spec for spec in data.DEPARTMENTS}
    points: list[Point] = []
    windows = 0
    for hall_spec, hall in zip(data.HALLS, halls):
        where = hall_spec["jurisdiction"]
        points.append(Point(code=code(), type="hall", name=hall.name, name_mn=data.HALL_NAMES_MN.get(hall.name),
                            hall_id=hall.id, jurisdiction_id=hall.jurisdiction_id, address=hall.address))
        if hall_spec["departments"] is None:
            weights = [(s["key"], s["weight"]) for s in data.DEPARTMENTS
                       if s["weight"] and (s["key"], where) in departments]
        else:
            weights = list(hall_spec["departments"].items())
        weights.sort(key=lambda kw: kw[0] != data.FIRST_IN_HALL)  # the general desk first, else data order
        counts = _allocate(hall_spec["windows"], weights, rng)
        number = 0
        mongolian = where in data.MONGOLIAN_SIGN_JURISDICTIONS
        for key, _ in weights:
            department = departments[(key, where)]
            for name in _window_names(specs[key]["windows"], counts[key], rng):
                number += 1
                points.append(Point(
                    code=code(), type="window", name=name,
                    name_mn=data.WINDOW_NAMES_MN.get(name) if mongolian else None,
                    number=str(number), hall_id=hall.id, department_id=department.id,
                    jurisdiction_id=hall.jurisdiction_id, address=hall.address))
        assert number == hall_spec["windows"], hall.name
        windows += number
    assert windows == data.TOTAL_WINDOWS, windows

    for spec in data.OTHER_POINTS:
        department = departments[spec["department"]] if spec.get("department") else None
        points.append(Point(code=code(), type=spec["type"], name=spec["name"],
                            jurisdiction_id=jurisdictions[spec["jurisdiction"]].id,
                            department_id=department.id if department else None,
                            address=spec.get("address"), allowed_origins=spec.get("allowed_origins")))
    for project in projects:
        points.append(Point(code=code(), type="project", name=project.name, project_id=project.id,
                            jurisdiction_id=project.jurisdiction_id, address=project.location))
    session.add_all(points)

    # Users: one password hash for all (argon2 is slow on purpose).
    password_hash = hash_password(password)
    users = []
    for spec in data.USERS:
        unit = project = None
        jurisdiction_id = jurisdictions[spec["jurisdiction"]].id
        if "department" in spec:
            unit = departments[tuple(spec["department"])]
        elif "group" in spec:
            unit = groups[spec["group"]]
        if unit is not None:
            jurisdiction_id = unit.jurisdiction_id
        if "project" in spec:
            project = projects[spec["project"]]
            jurisdiction_id = project.jurisdiction_id
        users.append(User(username=spec["username"], display_name=spec["display_name"], role=spec["role"],
                          password_hash=password_hash, jurisdiction_id=jurisdiction_id,
                          unit_id=unit.id if unit else None, project_id=project.id if project else None))
    session.add_all(users)
    session.flush()

    counts = {
        "jurisdictions": len(jurisdictions),
        "units": len(units),
        "halls": len(halls),
        "windows": windows,
        "points": len(points),
        "projects": len(projects),
        "users": len(users),
    }
    counts.update(_seed_activity())
    return counts


def _seed_activity() -> dict:
    """Each capability's demo records on top of the organisation (cases in every state, …)."""
    seed_categories()
    counts = {}
    counts.update(seed_cases(random.Random(DEMO_SEED + 1)))
    counts.update(seed_projects(random.Random(DEMO_SEED + 2)))
    return counts
