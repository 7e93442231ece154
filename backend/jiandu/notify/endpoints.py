"""Where a push may be sent: the rule for Web Push endpoints (no request forgery into our network).

A browser's subscription names the URL our worker will POST to, so whoever subscribes chooses where
our servers connect. Real push services are public HTTPS hosts on the default port, named by DNS:
fcm.googleapis.com (Chrome, Edge on Android, Samsung Internet, Opera), updates.push.services.mozilla.com
(Firefox), web.push.apple.com (Safari), *.notify.windows.com (Edge on Windows). So an endpoint must be
`https` on port 443, at a DNS name whose every address is public, with no user:password. An IP literal
in any spelling (127.1, 0177.0.0.1, 0x7f000001, 10.1, [::1]) is not a name.

The rule is checked when a device subscribes and again at every send, on the very addresses the sender
then connects to (transport.py): DNS may answer differently later (rebinding), so the send-time check
is the one that protects; the subscribe-time one tells the user at once what can be known then.

PUSH_TRUSTED_HOSTS names host:port pairs exempt from the address and port rules (the tests' local push
service, an in-house one); plain http only for a trusted host on loopback, so nothing unencrypted crosses
a network. PUSH_ALLOWED_HOSTS optionally narrows the public hosts to these names or .suffixes.
"""
from __future__ import annotations

import ipaddress
import re
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as LookupTimeout
from dataclasses import dataclass
from urllib.parse import urlsplit

HTTPS_PORT = 443
SUBSCRIBE_LOOKUP_SECONDS = 2.0

NOT_A_URL = "推送地址无效"
NOT_A_NAME = "推送地址必须是推送服务的域名，不能是 IP 地址"
WITH_PASSWORD = "推送地址不能包含用户名或密码"
NOT_ALLOWED = "推送地址不是可用的推送服务"
INSIDE = "推送地址指向内部网络，不是可用的推送服务"
NOT_HTTPS = "推送地址必须是 https 地址"
NOT_443 = "推送地址必须使用 https 的默认端口 443"

_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_TOP_LABEL = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")  # never digits or hex: 0x7f.0x1 is an address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")


class Refused(Exception):
    """An endpoint we do not send to. `message` is what its owner is told; `permanent` when no change of
    DNS could ever make it acceptable (the device is then given up)."""

    def __init__(self, message: str, permanent: bool = True):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class Unresolved(Exception):
    """The name has no address at the moment (our DNS is down, or the name is gone): try again later."""


@dataclass(frozen=True)
class Policy:
    trusted: frozenset[tuple[str, int]] = frozenset()
    allowed: tuple[str, ...] = ()  # names or .suffixes; empty: any public name

    @classmethod
    def of(cls, config) -> "Policy":
        return cls(frozenset(_host_port(entry) for entry in _entries(config.get("PUSH_TRUSTED_HOSTS"))),
                   tuple(entry.lower() for entry in _entries(config.get("PUSH_ALLOWED_HOSTS"))))

    def allows_name(self, host: str) -> bool:
        if not self.allowed:
            return True
        return any(host == name.lstrip(".") or host.endswith(name if name.startswith(".") else "." + name)
                   for name in self.allowed)


def _entries(value) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value or ())
    return [item.strip() for item in items if item and item.strip()]


def _host_port(entry: str) -> tuple[str, int]:
    try:
        parts = urlsplit("//" + entry.lower())
        port = parts.port or HTTPS_PORT
    except ValueError:
        parts = None
    if parts is None or not parts.hostname or parts.path or parts.username:
        raise ValueError(f"PUSH_TRUSTED_HOSTS: {entry!r} is not host:port")
    return parts.hostname, port


@dataclass(frozen=True)
class Endpoint:
    scheme: str
    host: str        # lower case; an IPv6 literal without brackets
    port: int
    target: str      # path and query: what the request line carries
    trusted: bool

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == (HTTPS_PORT if self.scheme == "https" else 80) else f"{host}:{self.port}"


@dataclass(frozen=True)
class Destination:
    endpoint: Endpoint
    addresses: tuple[str, ...]  # checked: connect to these, never to a new lookup of the name


def parse(url: str, policy: Policy) -> Endpoint:
    """The parts of an endpoint; Refused when its form alone rules it out."""
    if not isinstance(url, str) or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise Refused(NOT_A_URL)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused(NOT_A_URL) from None
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme not in ("https", "http") or not host:
        raise Refused(NOT_HTTPS if host else NOT_A_URL)
    if parts.username is not None or parts.password is not None:
        raise Refused(WITH_PASSWORD)
    port = port or (HTTPS_PORT if scheme == "https" else 80)
    trusted = (host, port) in policy.trusted
    if not trusted and not is_dns_name(host):
        raise Refused(NOT_A_NAME)
    if not trusted and not policy.allows_name(host):
        raise Refused(NOT_ALLOWED)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Endpoint(scheme, host, port, target, trusted)


def is_dns_name(host: str) -> bool:
    """A host name, not an address in disguise; a single label (localhost) is a name, refused or not by
    where it resolves."""
    labels = host.split(".")
    return (len(host) <= 253 and all(_LABEL.fullmatch(label) for label in labels)
            and _TOP_LABEL.fullmatch(labels[-1]) is not None)


def is_public(address: str) -> bool:
    """A globally reachable unicast address; for IPv6 that carries an IPv4 one, the IPv4 one must be."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        if ip.teredo or ip in _LOCAL_NAT64:
            return False
        carried = ip.ipv4_mapped or ip.sixtofour or (
            ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        if carried is not None:
            return is_public(str(carried))
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                                 or ip.is_reserved or ip.is_unspecified)


def resolve(host: str, port: int) -> tuple[str, ...]:
    """Every address the name has now, in the resolver's order of preference."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise Unresolved(host) from None
    found = tuple(dict.fromkeys(info[4][0] for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)))
    if not found:
        raise Unresolved(host)
    return found


def _check_addresses(endpoint: Endpoint, addresses: tuple[str, ...] | None) -> None:
    if endpoint.trusted or addresses is None:
        return
    if not all(is_public(address) for address in addresses):
        raise Refused(INSIDE, permanent=False)  # the name's DNS may be fixed: the device is kept


def _check_protocol(endpoint: Endpoint, addresses: tuple[str, ...] | None) -> None:
    if endpoint.trusted:
        on_loopback = bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)
        if endpoint.scheme != "https" and not on_loopback:
            raise Refused(NOT_HTTPS)
        return
    if endpoint.scheme != "https":
        raise Refused(NOT_HTTPS)
    if endpoint.port != HTTPS_PORT:
        raise Refused(NOT_443)


def destination(url: str, policy: Policy, lookup=resolve) -> Destination:
    """At send time: the endpoint and the checked addresses to connect to. Raises Refused or Unresolved.
    Where it leads is checked before how (scheme, port), so an endpoint pointing inside is named as such."""
    endpoint = parse(url, policy)
    addresses = lookup(endpoint.host, endpoint.port)
    _check_addresses(endpoint, addresses)
    _check_protocol(endpoint, addresses)
    return Destination(endpoint, addresses)


_lookups = ThreadPoolExecutor(max_workers=4, thread_name_prefix="push-dns")


def _lookup_briefly(host: str, port: int) -> tuple[str, ...] | None:
    """The addresses, or None when DNS does not answer within a moment (a web request does not wait on it)."""
    try:
        return _lookups.submit(resolve, host, port).result(timeout=SUBSCRIBE_LOOKUP_SECONDS)
    except (Unresolved, LookupTimeout):
        return None


def subscription_refusal(url: str, policy: Policy) -> str | None:
    """At subscribe time: why this endpoint is refused, from what can be known now; None when accepted.
    A name our DNS cannot resolve now is accepted: the send-time check refuses it if it leads inside."""
    try:
        endpoint = parse(url, policy)
        addresses = _lookup_briefly(endpoint.host, endpoint.port)
        _check_addresses(endpoint, addresses)
        _check_protocol(endpoint, addresses)
    except Refused as refusal:
        return refusal.message
    return None
