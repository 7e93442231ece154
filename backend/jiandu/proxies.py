"""Which forwarded headers are believed: none, unless the deployment says how many proxies it has.

`X-Forwarded-For` and `X-Forwarded-Proto` are only words a client can write itself. They are
believed when TRUSTED_PROXY_HOPS (the number of proxies in front of the app, each appending to
the header) is above 0 AND the request came straight from one of TRUSTED_PROXY_ADDRESSES (the
proxy's own addresses or networks): a client that reaches the app around its proxy (gunicorn listens
on every interface) is then still counted by its own address. `X-Forwarded-Host` is never believed:
the proxy passes `Host` on as it is.
"""
from __future__ import annotations

import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix

DEFAULT_PROXY_ADDRESSES = "127.0.0.1/8,::1"


def networks(text: str | None) -> tuple:
    """`10.0.0.5, 172.16.0.0/12` → the networks; a malformed item stops the start with its name."""
    found = []
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            found.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXY_ADDRESSES: {item!r} is not an address or network") from None
    return tuple(found)


class TrustedProxies:
    """WSGI middleware: ProxyFix for requests from a trusted proxy, the request as it came for others."""

    def __init__(self, app, hops: int, addresses: str | None):
        if hops < 0:
            raise ValueError("TRUSTED_PROXY_HOPS must be 0 or more")
        self.app = app
        self.networks = networks(addresses)
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0) if hops else None

    def _from_proxy(self, environ) -> bool:
        try:
            peer = ipaddress.ip_address((environ.get("REMOTE_ADDR") or "").split("%", 1)[0])
        except ValueError:
            return False
        return any(peer in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.fixed is not None and self._from_proxy(environ):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)
