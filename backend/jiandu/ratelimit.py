"""Keys for Flask-Limiter: who is asking, as precisely as an anonymous request allows."""
from flask import request


def client_key() -> str:
    # Behind a proxy, ProxyFix (configured in create_app) has already set remote_addr.
    return request.remote_addr or "unknown"


def device_key() -> str:
    """An anonymous device: the device id cookie the landing page sets, else the address."""
    return request.cookies.get("jd_device") or client_key()
