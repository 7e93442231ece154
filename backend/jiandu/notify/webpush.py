"""Sending Web Push (RFC 8030/8291/8292) fast and safely.

pywebpush's `webpush()` parses the VAPID key, signs a new JWT and opens a new connection for every
message. Here the JWT is signed once per push-service origin and reused until an hour before it
expires (it is valid for 12 h; RFC 8292 allows 24 h), connections are kept alive (transport.py, no
retries of its own), and a batch is sent by a small pool of threads, so a slow push service holds one
thread, not the batch. Every request has a connect and a read timeout; an origin that times out three
times in a batch gets no more requests from that batch (they are retried later). The encryption
itself is pywebpush's (aes128gcm with a fresh ephemeral key per message).

Whoever subscribes chooses the URL we POST to, so every message passes the endpoint rule first
(endpoints.py: a public HTTPS push service, checked on the addresses it is then sent to), redirects are
never followed, and what the push service answers reaches the device's owner only in our words (told).
"""
from __future__ import annotations

import base64
import email.utils
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from py_vapid import Vapid02
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app

from jiandu.notify import transport
from jiandu.notify.endpoints import Policy, Refused, Unresolved, destination, resolve

log = logging.getLogger(__name__)

JWT_LIFETIME = 12 * 3600
JWT_RENEW_BEFORE = 3600
ORIGIN_FAILURES_BEFORE_DEFERRING = 3


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    text = (text or "").strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- keys ------------------------------------------------------------------------------------------

def generate_keys() -> tuple[str, str]:
    """(public, private): the public key as the browser's applicationServerKey wants it (uncompressed
    P-256 point, base64url), the private key as the raw 32-byte scalar (base64url), as py_vapid reads it."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return public_key_of(b64url(private)), b64url(private)


def public_key_of(private_b64: str) -> str:
    value = int.from_bytes(unb64url(private_b64), "big")
    key = ec.derive_private_key(value, ec.SECP256R1())
    return b64url(key.public_key().public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint))


def valid_client_key(p256dh: str) -> bool:
    """A subscription's p256dh: an uncompressed point (65 bytes, 0x04…) that lies on P-256."""
    try:
        raw = unb64url(p256dh)
        if len(raw) != 65 or raw[0] != 4:
            return False
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        return True
    except Exception:
        return False


def valid_auth_secret(auth: str) -> bool:
    try:
        return len(unb64url(auth)) == 16
    except Exception:
        return False


def origin_of(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


# --- VAPID ------------------------------------------------------------------------------------------

class VapidSigner:
    """The `Authorization: vapid t=…, k=…` header per push-service origin, signed once and reused."""

    def __init__(self, private_key: str, subject: str):
        self.vapid = Vapid02.from_raw(private_key.encode())
        self.subject = subject
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def header(self, origin: str, now: float | None = None) -> str:
        now = time.time() if now is None else now
        with self._lock:
            cached = self._cache.get(origin)
            if cached and cached[1] - JWT_RENEW_BEFORE > now:
                return cached[0]
            expires = int(now) + JWT_LIFETIME
            value = self.vapid.sign({"aud": origin, "exp": expires, "sub": self.subject})["Authorization"]
            self._cache[origin] = (value, expires)
            return value


_signers: dict[tuple[str, str], VapidSigner] = {}
_signers_lock = threading.Lock()


def signer_for(private_key: str, subject: str) -> VapidSigner:
    with _signers_lock:
        key = (private_key, subject)
        if key not in _signers:
            _signers[key] = VapidSigner(private_key, subject)
        return _signers[key]


# --- sending ----------------------------------------------------------------------------------------

@dataclass
class Outgoing:
    delivery_id: int
    endpoint: str
    p256dh: str
    auth: str
    data: bytes
    ttl: int = 24 * 3600
    urgency: str = "normal"
    topic: str | None = None


@dataclass
class Outcome:
    delivery_id: int
    result: str                      # sent | retry | dead | failed
    status: int | None = None        # the push service's HTTP status
    error: str | None = None
    retry_after: float | None = None  # seconds, from the push service's Retry-After


def classify(status: int) -> str:
    if status in (200, 201, 202):
        return "sent"
    if status in (404, 410):
        return "dead"
    if status in (408, 425, 429) or status >= 500:
        return "retry"
    return "failed"  # 3xx (never followed), 400, 401/403 (VAPID refused), 413 (too large): waiting fixes nothing


def told(status: int) -> str:
    """What a device's owner reads about a push service's answer: our words, never the service's text
    (it may carry anything; the server's log keeps an excerpt)."""
    if 300 <= status < 400:
        return f"推送服务要求转到其他地址，已拒绝（HTTP {status}）"
    if status in (404, 410):
        return "推送服务表示该订阅已失效"
    if status in (401, 403):
        return f"推送服务不接受本系统的推送密钥（HTTP {status}）"
    if status == 413:
        return "通知内容超出推送服务的大小限制"
    if status == 429:
        return "推送服务繁忙，稍后重试"
    if status in (408, 425) or status >= 500:
        return f"推送服务暂时不可用（HTTP {status}），稍后重试"
    return f"推送服务拒绝了这条通知（HTTP {status}）"


def payload_failed(delivery_id: int) -> Outcome:
    """In an `except` block: the notification could not be made into a push message (logged)."""
    log.exception("push: the message of delivery %s could not be made", delivery_id)
    return Outcome(delivery_id, "retry", error="通知内容生成失败，稍后重试")


def retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
        return max(0.0, moment.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(size: int) -> ThreadPoolExecutor:
    with _pools_lock:
        if size not in _pools:
            _pools[size] = ThreadPoolExecutor(max_workers=size, thread_name_prefix="push")
        return _pools[size]


class PushSender:
    """Sends a batch. Every endpoint passes the endpoint rule (endpoints.py, PUSH_TRUSTED_HOSTS from the
    app's config) on addresses looked up once per name and batch, and the message goes to those."""

    def __init__(self, signer: VapidSigner, *, connect_timeout: float = 3.0, read_timeout: float = 5.0,
                 concurrency: int = 8, policy: Policy | None = None):
        self.signer = signer
        self.timeout = (connect_timeout, read_timeout)
        self.concurrency = max(1, concurrency)
        self.policy = policy if policy is not None else Policy.of(current_app.config)
        self._failures: dict[str, int] = {}
        self._addresses: dict[tuple[str, int], tuple[str, ...] | Unresolved] = {}
        self._lock = threading.Lock()

    def send_all(self, items: list[Outgoing]) -> list[Outcome]:
        """Send every item; never raises; one Outcome per item, in the same order."""
        self._failures, self._addresses = {}, {}
        if self.concurrency == 1 or len(items) <= 1:
            return [self.send_one(item) for item in items]
        return list(_pool(self.concurrency).map(self.send_one, items))

    def _deferring(self, origin: str) -> bool:
        with self._lock:
            return self._failures.get(origin, 0) >= ORIGIN_FAILURES_BEFORE_DEFERRING

    def _failed(self, origin: str) -> None:
        with self._lock:
            self._failures[origin] = self._failures.get(origin, 0) + 1

    def _lookup(self, host: str, port: int) -> tuple[str, ...]:
        """The name's addresses, looked up once in this batch (its thousands of messages, one lookup)."""
        with self._lock:
            found = self._addresses.get((host, port))
        if found is None:
            try:
                found = resolve(host, port)
            except Unresolved as error:
                found = error
            with self._lock:
                self._addresses[(host, port)] = found
        if isinstance(found, Unresolved):
            raise found
        return found

    def _message(self, item: Outgoing, origin: str) -> tuple[bytes, dict]:
        # Imported here: pywebpush pulls in aiohttp (over a second to import); only a sender needs it.
        from pywebpush import WebPusher  # noqa: PLC0415

        pusher = WebPusher({"endpoint": item.endpoint, "keys": {"p256dh": item.p256dh, "auth": item.auth}})
        headers = {"Authorization": self.signer.header(origin), "Urgency": item.urgency,
                   "Content-Encoding": "aes128gcm", "TTL": str(item.ttl)}
        if item.topic:
            headers["Topic"] = item.topic
        return pusher.encode(item.data, "aes128gcm")["body"], headers

    def send_one(self, item: Outgoing) -> Outcome:
        origin = origin_of(item.endpoint)
        if self._deferring(origin):
            return Outcome(item.delivery_id, "retry", error="推送服务无响应，稍后重试")
        try:
            target = destination(item.endpoint, self.policy, lookup=self._lookup)
        except Refused as refusal:
            log.warning("push: delivery %s to %s not sent: %s", item.delivery_id, origin, refusal.message)
            return Outcome(item.delivery_id, "dead" if refusal.permanent else "failed", error=refusal.message)
        except Unresolved:
            self._failed(origin)
            return Outcome(item.delivery_id, "retry", error="暂时无法解析推送服务的地址，稍后重试")
        try:
            body, headers = self._message(item, origin)
        except Exception:  # a bad key: recorded, retried a few times, then failed
            return payload_failed(item.delivery_id)
        try:
            answer = transport.post(target, body, headers, self.timeout, pool_size=self.concurrency)
        except urllib3.exceptions.NewConnectionError as error:  # (a subclass of the connect timeout)
            return self._unreachable(item, origin, error)
        except (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.ReadTimeoutError):
            self._failed(origin)
            return Outcome(item.delivery_id, "retry", error="推送服务超时")
        except (urllib3.exceptions.HTTPError, OSError) as error:
            return self._unreachable(item, origin, error)
        except Exception:  # never raises: whatever else went wrong is logged and tried again later
            log.exception("push: delivery %s to %s failed", item.delivery_id, origin)
            return Outcome(item.delivery_id, "retry", error="推送失败，稍后重试")
        result = classify(answer.status)
        if result != "sent":
            log.info("push: %s answered %s to delivery %s: %r", origin, answer.status, item.delivery_id,
                     answer.excerpt[:300])
        return Outcome(item.delivery_id, result, answer.status, None if result == "sent" else told(answer.status),
                       retry_after_seconds(answer.headers.get("Retry-After")) if result == "retry" else None)

    def _unreachable(self, item: Outgoing, origin: str, error: Exception) -> Outcome:
        self._failed(origin)
        log.info("push: %s unreachable for delivery %s: %s", origin, item.delivery_id, error)
        secure = isinstance(error, urllib3.exceptions.SSLError)
        return Outcome(item.delivery_id, "retry",
                       error="与推送服务的安全连接失败，稍后重试" if secure else "无法连接推送服务，稍后重试")
