"""`jiandu projects scan`: run the approvals/payments timeout scan once."""
import json

import click
from flask.cli import with_appcontext


@click.group(help="Major projects (掌上监督).")
def projects():
    pass


@projects.command("scan", help="Raise due approval and payment warnings (and leads) now.")
@with_appcontext
def scan():
    from jiandu.projects.jobs import scan_timeouts_job

    click.echo(json.dumps(scan_timeouts_job(), ensure_ascii=False))


commands = [projects]
