"""`jiandu signs …`: the sign templates and batch printing from the server's command line."""
from __future__ import annotations

import sys
import time

import click
from flask.cli import with_appcontext


@click.group(help="QR signs: templates and printing (码上监督 signs).")
def signs():
    pass


@signs.command("templates", help="List the sign templates of qr-templates/.")
def templates_command():
    from jiandu.signs import catalog

    for template in catalog.templates().values():
        page = template.page
        kinds = "、".join(template.kinds) if template.kinds else "all point types"
        click.echo(f"{template.name:18} {template.label}")
        click.echo(f"{'':18} {page['size']} {page['width_mm']}×{page['height_mm']} mm, {template.per_page} per sheet, "
                   f"QR {template.qr_mm:g} mm (reads from about {template.reading_distance_cm()} cm), for {kinds}"
                   + (f", needs {', '.join(template.requires)}" if template.requires else ""))


def _acting_user(username: str | None):
    from sqlalchemy import func, select

    from jiandu.extensions import db
    from jiandu.org.models import Jurisdiction, User

    statement = select(User).join(Jurisdiction, User.jurisdiction_id == Jurisdiction.id).where(
        User.role == "admin", User.active.is_(True))
    if username:
        statement = statement.where(User.username == username)
    else:  # the administrator of the widest jurisdiction
        statement = statement.where(User.unit_id.is_(None)).order_by(func.length(Jurisdiction.path), User.id)
    user = db.session.scalars(statement.limit(1)).first()
    if user is None:
        raise click.ClickException(f"no active administrator {username!r}" if username else "no administrator")
    return user


@signs.command("render", help="Render the signs of a hall, a jurisdiction or a list of codes into one PDF.")
@click.option("--template", "-t", required=True, help="Template name (see `jiandu signs templates`).")
@click.option("--hall", "hall_id", type=int, help="All active points of this hall (unit id).")
@click.option("--jurisdiction", "jurisdiction_id", type=int, help="All active points of this jurisdiction and below.")
@click.option("--codes", help="Comma-separated supervision codes.")
@click.option("--kind", help="Only points of this type (window, hall, project, …) with --hall/--jurisdiction.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The PDF to write.")
@click.option("--user", "username", help="Act as this administrator (scope); default: the city's administrator.")
@click.option("--workers", type=int, default=None, help="Render processes (default: 2, the machine's cores).")
@with_appcontext
def render_command(template, hall_id, jurisdiction_id, codes, kind, out, username, workers):
    from jiandu.errors import ApiError
    from jiandu.signs import render, service

    user = _acting_user(username)
    data = {"template": template, "hall_id": hall_id, "jurisdiction_id": jurisdiction_id, "kind": kind,
            "codes": [c.strip() for c in codes.split(",") if c.strip()] if codes else None}
    data = {k: v for k, v in data.items() if v not in (None, [], "")}
    try:
        chosen = service.template_or_invalid(template)
        points, description = service.select_points(user, data, chosen)
        rows = service.check(points, chosen)
    except ApiError as error:
        details = "; ".join(f"{k}: {v}" for k, v in error.fields.items()) if error.fields else ""
        raise click.ClickException(f"{error.message}" + (f" ({details})" if details and details not in error.message
                                                            else "")) from None
    click.echo(f"{chosen.name}: {len(rows)} signs ({description}), {-(-len(rows) // chosen.per_page)} pages")
    signs_ = service.sign_dicts(rows, chosen, label="CLI", printed=service.printed_on(), with_codes=False)
    started = time.monotonic()

    def progress(done, total):
        click.echo(f"\r  {done}/{total} signs, {time.monotonic() - started:.1f} s", nl=False, err=True)

    stats = render.render_to_file(chosen.name, signs_, out, progress=progress, symbols=service.code_symbols(),
                                  **({"workers": workers} if workers else {}))
    click.echo("", err=True)
    click.echo(f"wrote {out}: {stats['pages']} pages, {stats['signs']} signs in {stats['seconds']:.1f} s "
               f"({stats['signs'] / max(stats['seconds'], 0.001):.0f} signs/s)")
    sys.stdout.flush()


commands = [signs]
