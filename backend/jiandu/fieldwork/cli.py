"""`jiandu fieldwork …`: visit kinds, old sync receipts, photos waiting to be finalised."""
import click
from flask.cli import with_appcontext
from sqlalchemy import select

from jiandu.extensions import db
from jiandu.fieldwork.service import ensure_visit_kinds
from jiandu.fieldwork.sync import prune
from jiandu.files.models import FieldPhoto
from jiandu.files.uploads import finalize


@click.group("fieldwork", help="Checklists, visits and offline sync.")
def fieldwork():
    pass


@fieldwork.command("seed-kinds", help="Add the default visit kinds that are missing.")
@with_appcontext
def seed_kinds():
    ensure_visit_kinds()
    db.session.commit()
    click.echo("fieldwork: visit kinds ready")


@fieldwork.command("prune-receipts", help="Forget sync receipts older than DAYS (at least 30).")
@click.option("--days", default=90, show_default=True, type=click.IntRange(min=30))
@with_appcontext
def prune_receipts(days):
    removed = prune(days)
    db.session.commit()
    click.echo(f"fieldwork: {removed} sync receipts removed")


@fieldwork.command("finalize-photos", help="Check and re-encode every fully received photo now.")
@with_appcontext
def finalize_photos():
    rows = db.session.scalars(select(FieldPhoto).where(FieldPhoto.state == "received")).all()
    for row in rows:
        finalize(row)
    db.session.commit()
    click.echo(f"fieldwork: {len(rows)} photos finalised")


commands = [fieldwork]
