"""The VAPID key pair that signs this server's pushes (RFC 8292)."""
from __future__ import annotations

from flask import current_app

from jiandu.notify.webpush import generate_keys, public_key_of
from jiandu.security import instance_secret


def vapid_keys() -> tuple[str | None, str | None]:
    """(public, private) from VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY. With none configured, outside tests,
    a pair is made once and kept in instance/ (like SECRET_KEY), so a local setup pushes out of the box;
    a deployment with more than one machine puts `jiandu push keys` output in the environment."""
    config = current_app.config
    private = config.get("VAPID_PRIVATE_KEY")
    public = config.get("VAPID_PUBLIC_KEY")
    if not private and not config.get("TESTING"):
        private = instance_secret(current_app.instance_path, "vapid_private_key", lambda: generate_keys()[1])
        config["VAPID_PRIVATE_KEY"] = private
    if private and not public:
        public = public_key_of(private)
        config["VAPID_PUBLIC_KEY"] = public
    return public, private


def push_enabled() -> bool:
    return vapid_keys()[1] is not None
