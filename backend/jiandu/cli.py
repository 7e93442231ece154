"""The `jiandu` command: the Flask CLI of the app, with the project's own commands."""
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext


def _make_app():
    from jiandu import create_app

    return create_app()


def main():
    from jiandu.security import MissingSecret

    group = FlaskGroup(create_app=_make_app, help="jiandu 监督 — 营商环境智慧监督平台")
    group.add_command(keys)  # found without loading the app: `jiandu keys new` works before any key is set
    try:
        group.main(prog_name="jiandu")
    except MissingSecret as error:  # one line for the operator, not a traceback
        click.echo(f"jiandu: {error}", err=True)
        sys.exit(2)


def register_commands(app):
    """The project's commands, plus each capability's `commands`."""
    from jiandu import capabilities
    from jiandu.scheduler import scheduler_command

    for command in (demo, worker, keys, scheduler_command):
        app.cli.add_command(command)
    for capability in capabilities.ALL:
        for command in capability.commands:
            app.cli.add_command(command)


@click.group(help="The demo city (包头市).")
def demo():
    pass


@demo.command("seed", help="Fill the database with the demo city.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has data.")
@with_appcontext
def demo_seed(if_empty):
    from jiandu.demo.seed import demo_is_seeded, seed_demo
    from jiandu.extensions import db

    if if_empty and demo_is_seeded():
        click.echo("demo: database already has data; not seeding")
        return
    counts = seed_demo()
    db.session.commit()
    click.echo("demo: seeded " + ", ".join(f"{k}={v}" for k, v in counts.items()))


@click.command(help="Run the RQ worker on every queue, with the scheduler.")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queue", "queues", multiple=True, help="Only these queues (default: all).")
def worker(burst, queues):
    from jiandu.queue import QUEUE_NAMES
    from jiandu.worker import run_worker

    run_worker(current_app._get_current_object(), queues or QUEUE_NAMES, burst=burst)


@click.group(help="Encryption keys: CONTACT_KEYS (reporters' contact details, tracking codes) and SECRET_KEY.")
def keys():
    pass


@keys.command("new", help="Print a new CONTACT_KEYS key; to rotate, put it first (comma-separated, the old "
                          "key second), restart, then run `jiandu keys rotate`.")
@click.option("--secret-key", is_flag=True, help="Print a new SECRET_KEY (signs session cookies) instead.")
def keys_new(secret_key):
    from jiandu.security import new_fernet_key, new_secret_key

    click.echo(new_secret_key() if secret_key else new_fernet_key())


@keys.command("rotate", help="Re-encrypt every encrypted value under the newest key of CONTACT_KEYS, in "
                             "batches; safe to stop and run again. Afterwards the older keys can be removed.")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(min=1))
@with_appcontext
def keys_rotate(batch_size):
    from jiandu.key_rotation import rotate_all

    results = rotate_all(batch_size, echo=click.echo)
    rewritten = sum(r.rewritten for r in results)
    lost = [(r.table, identity, column) for r in results for identity, column in r.undecryptable]
    again = sum(r.changed_meanwhile for r in results)
    click.echo(f"keys rotate: {rewritten} values re-encrypted under the newest key in "
               f"{', '.join(r.table for r in results)}")
    if lost:
        for table, identity, column in lost[:20]:
            click.echo(f"keys rotate: {table} id {identity}: {column} opens with none of CONTACT_KEYS", err=True)
        raise click.ClickException(f"{len(lost)} values open with none of CONTACT_KEYS: add the key they were "
                                   "encrypted with (second or later) and run again; keep every old key until then")
    if again:
        click.echo(f"keys rotate: {again} values changed while rotating; run again to check them")
        return
    click.echo("keys rotate: done; every value is under the newest key, the older keys can be removed")
