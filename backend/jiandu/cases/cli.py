"""`jiandu cases scan`: run the deadline scan once (the worker's scheduler runs it every 15 minutes)."""
import json

import click
from flask.cli import with_appcontext

from jiandu.cases.jobs import scan_deadlines_job


@click.group(help="Cases (the closed loop).")
def cases():
    pass


@cases.command("scan", help="Raise due deadline warnings now.")
@with_appcontext
def scan():
    click.echo(json.dumps(scan_deadlines_job(), ensure_ascii=False))


commands = [cases]
