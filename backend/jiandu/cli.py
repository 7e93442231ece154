"""The `jiandu` command: the Flask CLI of the app, with the project's own commands."""
import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext


def _make_app():
    from jiandu import create_app

    return create_app()


def main():
    FlaskGroup(create_app=_make_app, help="jiandu 监督 — 营商环境智慧监督平台").main(prog_name="jiandu")


def register_commands(app):
    """The project's commands, plus each capability's `commands` list in its cli.py."""
    import importlib
    from pathlib import Path

    from jiandu import CAPABILITIES

    for command in (demo, worker, keys):
        app.cli.add_command(command)
    for name in CAPABILITIES:
        if (Path(__file__).parent / name / "cli.py").exists():
            for command in importlib.import_module(f"jiandu.{name}.cli").commands:
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


@click.group(help="Encryption keys for reporters' contact details.")
def keys():
    pass


@keys.command("new", help="Print a new key; put it first in CONTACT_KEYS (comma-separated) to rotate.")
def keys_new():
    from jiandu.security import new_fernet_key

    click.echo(new_fernet_key())
