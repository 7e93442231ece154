"""`jiandu intake …`: the default categories and rating reasons, and a clean-up of old idempotency keys."""
from datetime import timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import delete

from jiandu.extensions import db
from jiandu.intake.categories import seed_categories
from jiandu.intake.models import IdempotencyKey
from jiandu.timeutil import utcnow


@click.group("intake", help="Citizen reports and ratings (码上监督).")
def intake():
    pass


@intake.command("seed-categories", help="Add the default report categories and rating reasons that are missing.")
@with_appcontext
def seed_categories_command():
    added = seed_categories()
    db.session.commit()
    click.echo(f"intake: {added} categories/reasons added")


@intake.command("prune-keys", help="Forget idempotency keys older than DAYS (default 90); reports stay.")
@click.option("--days", default=90, show_default=True, type=click.IntRange(min=7))
@with_appcontext
def prune_keys(days):
    cutoff = utcnow() - timedelta(days=days)
    result = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    db.session.commit()
    click.echo(f"intake: {result.rowcount} idempotency keys removed")


commands = [intake]
