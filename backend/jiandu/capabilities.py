"""The app's capabilities, in the order their routes are registered.

Each is a module (`<package>/capability.py`) with `setup(app, rest)`: its blueprints and whatever it
registers with the others; `commands`: its command-line groups; `schedule(config)`: its jobs.
"""
from __future__ import annotations

from jiandu.cases import capability as cases
from jiandu.fieldwork import capability as fieldwork
from jiandu.intake import capability as intake
from jiandu.notify import capability as notify
from jiandu.org import capability as org
from jiandu.projects import capability as projects
from jiandu.signs import capability as signs

ALL = (org, intake, cases, projects, fieldwork, signs, notify)
