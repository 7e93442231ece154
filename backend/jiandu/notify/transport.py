"""One POST to a push service, on a connection to an address the endpoint rule checked (endpoints.py).

The endpoint's name is never looked up again here: the connection goes to the checked address, with
the name in Host, in TLS SNI and as the name the certificate must carry, so a different answer from
the name's DNS after the check (rebinding) changes nothing. Redirects are never followed: a push
service has no reason to send one, and following it would reach wherever it points. Connections are
kept alive per (address, port, name) and shared by the sending threads. Of an answer's body only a
short excerpt is read, never past the read timeout, for the log: what a push service says is not
shown to users (webpush.told says it in our words).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import certifi
import urllib3
from urllib3.exceptions import NewConnectionError

from jiandu.notify.endpoints import Destination

MAX_POOLS = 64
ADDRESSES_TRIED = 3
EXCERPT_BYTES = 512


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]  # case-insensitive
    excerpt: bytes  # the start of the body, for the server's log only


_pools: OrderedDict[tuple, urllib3.HTTPConnectionPool] = OrderedDict()
_pools_lock = threading.Lock()


def _pool(scheme: str, address: str, port: int, name: str, size: int) -> urllib3.HTTPConnectionPool:
    key = (scheme, address, port, name)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is not None:
            _pools.move_to_end(key)
            return pool
        if scheme == "https":
            pool = urllib3.HTTPSConnectionPool(address, port, maxsize=size, block=False, retries=False,
                                               cert_reqs="CERT_REQUIRED", ca_certs=certifi.where(),
                                               server_hostname=name, assert_hostname=name)
        else:
            pool = urllib3.HTTPConnectionPool(address, port, maxsize=size, block=False, retries=False)
        _pools[key] = pool
        while len(_pools) > MAX_POOLS:
            _pools.popitem(last=False)[1].close()
        return pool


def post(destination: Destination, body: bytes, headers: dict, timeout: tuple[float, float],
         pool_size: int = 8) -> Answer:
    """POST to the first checked address that takes the connection. Raises urllib3's errors
    (NewConnectionError, ConnectTimeoutError, ReadTimeoutError, SSLError, ProtocolError)."""
    endpoint = destination.endpoint
    headers = {**headers, "Host": endpoint.host_header}
    connect, read = timeout
    refused: Exception | None = None
    for address in destination.addresses[:ADDRESSES_TRIED]:
        pool = _pool(endpoint.scheme, address, endpoint.port, endpoint.host, pool_size)
        try:
            response = pool.urlopen("POST", endpoint.target, body=body, headers=headers, redirect=False,
                                    retries=False, assert_same_host=False, preload_content=False,
                                    release_conn=False, timeout=urllib3.Timeout(connect=connect, read=read))
        except NewConnectionError as error:  # refused or unreachable: the name's next address may answer
            refused = error
            continue
        return _answer(response, deadline=time.monotonic() + read)
    if refused is None:
        raise ValueError("a destination without addresses")
    raise refused


def _answer(response, deadline: float) -> Answer:
    try:
        excerpt, complete = _excerpt(response, deadline)
        if not complete:
            response.close()  # not waiting for the rest: this connection is not reused
        return Answer(response.status, response.headers, excerpt)
    finally:
        response.release_conn()


def _excerpt(response, deadline: float) -> tuple[bytes, bool]:
    """Up to EXCERPT_BYTES of the body, never reading past the deadline; True when it was read to its end."""
    chunks, size = [], 0
    try:
        while size < EXCERPT_BYTES and time.monotonic() < deadline:
            chunk = response.read1(EXCERPT_BYTES - size, decode_content=False)
            if not chunk:
                return b"".join(chunks), True
            chunks.append(chunk)
            size += len(chunk)
    except Exception:  # a broken or slow body: the status is what counts
        pass
    return b"".join(chunks), False
