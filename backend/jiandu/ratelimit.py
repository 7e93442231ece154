"""Keys for Flask-Limiter: who is asking, as precisely as an anonymous request allows."""
from flask import request

from jiandu import devices


def client_key() -> str:
    # The peer's address; a forwarded one only from a trusted proxy (jiandu.proxies, set up in create_app).
    return request.remote_addr or "unknown"


def device_key() -> str:
    """An anonymous device: the device the server issued to it (never a value it made up), else the address."""
    device_id = devices.current()
    return f"dev:{device_id}" if device_id else client_key()
