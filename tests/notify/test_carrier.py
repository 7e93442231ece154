"""notify is a carrier: it delivers the messages the domains give it and imports none of them (their
rules live in <domain>/notices.py and are registered from the domain's capability setup)."""
from __future__ import annotations

import ast

from jiandu.config import ROOT

DOMAINS = ("cases", "intake", "projects", "fieldwork", "signs")


def imported_modules(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_notify_imports_no_domain():
    reaching = {}
    for path in sorted((ROOT / "backend" / "jiandu" / "notify").rglob("*.py")):
        domains = {m for m in imported_modules(path) if m.split(".")[:2] in [["jiandu", d] for d in DOMAINS]}
        if domains:
            reaching[path.name] = sorted(domains)
    assert reaching == {}


def test_notify_imports_at_the_top_of_its_modules():
    """No import inside a function, but the one that says why (pywebpush pulls in aiohttp)."""
    inside = []
    for path in sorted((ROOT / "backend" / "jiandu" / "notify").rglob("*.py")):
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inside += [f"{path.name}:{node.lineno}" for node in ast.walk(function)
                           if isinstance(node, (ast.Import, ast.ImportFrom))
                           and not (isinstance(node, ast.ImportFrom) and node.module == "pywebpush")]
    assert inside == []
