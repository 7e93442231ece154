"""`jiandu push …`: VAPID keys, a test notification, delivery status."""
import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from jiandu.extensions import db
from jiandu.notify.jobs import sweep
from jiandu.notify.models import Delivery, OutboxEvent, PushSubscription
from jiandu.notify.service import send_test
from jiandu.notify.webpush import generate_keys
from jiandu.org.models import User


@click.group("push", help="Web Push notifications.")
def push():
    pass


@push.command("keys", help="Make a VAPID key pair for Web Push and say where it goes.")
def push_keys():
    public, private = generate_keys()
    click.echo(f"VAPID_PUBLIC_KEY={public}")
    click.echo(f"VAPID_PRIVATE_KEY={private}")
    click.echo("")
    click.echo("Put both lines in the environment of the web, worker and scheduler processes (for example the")
    click.echo("service's environment file, or .env beside the Procfile), and optionally"
               " VAPID_SUBJECT=mailto:<ops address>.")
    click.echo("Keep the private key secret. Browsers subscribe with the public key: after a key change every")
    click.echo("device must subscribe again (the app does so the next time it opens).", err=False)


@push.command("test", help="Send a test notification to USERNAME (all their devices and the in-app centre).")
@click.argument("username")
@with_appcontext
def push_test(username):
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user {username}")
    event = send_test(user)
    db.session.commit()
    click.echo(f"push: test event {event.id} queued for {username}")


@push.command("status", help="Counts of events, deliveries and devices by state.")
@with_appcontext
def push_status():
    for label, model in (("events", OutboxEvent), ("deliveries", Delivery), ("devices", PushSubscription)):
        counts = db.session.execute(select(model.status, func.count()).group_by(model.status)).all()
        click.echo(f"{label}: " + (", ".join(f"{s}={n}" for s, n in counts) or "none"))


@push.command("sweep", help="Queue every waiting event and delivery now (what the scheduler does every few seconds).")
@with_appcontext
def push_sweep():
    click.echo(f"push: {sweep()}")


commands = [push]
