"""A local Web Push service that speaks the real protocol, for tests and benchmarks.

It receives what a browser vendor's push service would: an HTTP POST to the subscription's
endpoint with a VAPID `Authorization: vapid t=<JWT>, k=<key>` header (RFC 8292) and an
aes128gcm-encrypted body (RFC 8291/8188). It verifies the JWT's ES256 signature against the
key, checks `aud` and `exp`, decrypts the payload with the subscription's private key, and keeps
what it got. Each subscription can be told to answer 201, 404, 410, 429 (with Retry-After),
500, or to hang.
"""
from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Device:
    """A browser's push subscription: its keys, and how its push service will answer."""

    id: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    behaviour: list = field(default_factory=list)  # answers to give, in order; then 201

    def subscription(self, base_url: str) -> dict:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": f"{base_url}/push/{self.id}", "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)}}


@dataclass
class Received:
    device_id: str
    payload: dict
    headers: dict
    at: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 refuses connections when many senders connect at once


class PushService:
    def __init__(self, vapid_public_key: str | None = None, hang_seconds: float = 30.0):
        self.vapid_public_key = vapid_public_key  # b64url uncompressed point; None = accept any valid key
        self.hang_seconds = hang_seconds
        self.devices: dict[str, Device] = {}
        self.received: list[Received] = []
        self.rejected: list[tuple[str, str]] = []
        self.requests = 0  # every POST, whatever the answer
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def new_device(self, behaviour: list | None = None) -> Device:
        device = Device(id=b64url(os.urandom(9)), private_key=ec.generate_private_key(ec.SECP256R1()),
                        auth=os.urandom(16), behaviour=list(behaviour or []))
        self.devices[device.id] = device
        return device

    def for_device(self, device: Device) -> list[dict]:
        with self.lock:
            return [r.payload for r in self.received if r.device_id == device.id]

    # --- protocol checks -------------------------------------------------------------

    def _verify_vapid(self, authorization: str, audience: str) -> str | None:
        """None when valid, else the reason."""
        if not authorization.lower().startswith("vapid "):
            return "no vapid authorization"
        try:
            params = dict(part.strip().split("=", 1) for part in authorization[6:].split(","))
        except ValueError:
            return "malformed vapid authorization"
        token, key = params.get("t"), params.get("k")
        if not token or not key:
            return "vapid t or k missing"
        if self.vapid_public_key and key != self.vapid_public_key:
            return "unknown vapid key"
        try:
            header_b64, claims_b64, signature_b64 = token.split(".")
            header = json.loads(unb64url(header_b64))
            claims = json.loads(unb64url(claims_b64))
            signature = unb64url(signature_b64)
            public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        except (ValueError, TypeError):
            return "malformed vapid token"
        if header.get("alg") != "ES256":
            return "alg is not ES256"
        if len(signature) != 64:
            return "vapid signature is not 64 bytes (r || s)"
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        try:
            public_key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return "bad vapid signature"
        if claims.get("aud") != audience:
            return f"aud {claims.get('aud')} is not {audience}"
        if not (time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600):
            return "exp out of range"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return "sub missing"
        return None

    def _handler(service):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self, status: int, headers: dict | None = None):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                device_id = self.path.rsplit("/", 1)[-1]
                device = service.devices.get(device_id)
                if device is None:
                    return self._answer(404)
                with service.lock:
                    service.requests += 1
                    behaviour = device.behaviour.pop(0) if device.behaviour else 201
                if behaviour == "hang":
                    time.sleep(service.hang_seconds)
                    try:
                        return self._answer(504)
                    except OSError:  # the sender gave up long ago and closed the connection
                        return None
                if behaviour != 201:
                    status, headers = (behaviour, {}) if isinstance(behaviour, int) else behaviour
                    return self._answer(status, headers)
                reason = service._verify_vapid(self.headers.get("Authorization", ""), service.url)
                if reason is None and self.headers.get("Content-Encoding") != "aes128gcm":
                    reason = "content-encoding is not aes128gcm"
                if reason is None and not self.headers.get("TTL"):
                    reason = "TTL header missing"
                if reason is None:
                    try:
                        plain = http_ece.decrypt(body, private_key=device.private_key, auth_secret=device.auth,
                                                 version="aes128gcm")
                        payload = json.loads(plain)
                    except Exception as exc:  # anything undecryptable is the sender's fault
                        reason = f"cannot decrypt: {exc}"
                if reason is not None:
                    with service.lock:
                        service.rejected.append((device_id, reason))
                    return self._answer(400)
                with service.lock:
                    service.received.append(Received(device_id, payload, dict(self.headers), time.time()))
                return self._answer(201, {"Location": f"{service.url}/message/{len(service.received)}"})

        return Handler
