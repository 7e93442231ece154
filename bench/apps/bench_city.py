"""An app for a data benchmark and the bare organisation its data hangs on (shared by bench/*.py).

(In bench/apps so that `make bench`, which runs every bench/*.py, does not run it.)
"""
from __future__ import annotations

import os
from pathlib import Path


def make_app(url: str, tmp: Path):
    """The real app on the database at `url`, with throwaway secrets and no rate limits."""
    from cryptography.fernet import Fernet

    from jiandu import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                       "CONTACT_KEYS": Fernet.generate_key().decode(), "JIANDU_INSTANCE": str(tmp),
                       "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                       "RATELIMIT_ENABLED": False})


def city_skeleton(counties: int, departments: int, city_departments: bool) -> tuple:
    """A fresh schema with a city, its counties and departments spread over them in turn (and over the
    city itself, with `city_departments`), committed: (city, counties, departments)."""
    from jiandu.extensions import db
    from jiandu.org.models import Jurisdiction, Unit

    db.drop_all()
    db.create_all()
    city = Jurisdiction(name="包头市", level="city", path="")
    db.session.add(city)
    db.session.flush()
    city.path = f"/{city.id}/"
    county_list = [Jurisdiction(name=f"县区{i}", level="county", parent_id=city.id) for i in range(counties)]
    db.session.add_all(county_list)
    db.session.flush()
    for county in county_list:
        county.path = f"{city.path}{county.id}/"
    places = [city, *county_list] if city_departments else county_list
    department_list = [Unit(name=f"部门{i}", kind="department", jurisdiction_id=places[i % len(places)].id)
                       for i in range(departments)]
    db.session.add_all(department_list)
    db.session.commit()
    return city, county_list, department_list
