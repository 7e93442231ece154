"""Web Push endpoints cannot be turned against our own network (issue 13, M1). A subscription names the
URL our worker POSTs to; it must lead to a public HTTPS push service: refused at subscribe time when
that is already clear, and checked again at every send on the very addresses then connected to. No
redirect is followed, and nothing a push service says reaches a user. The tests' push services are
local servers on 127.0.0.1, let through by PUSH_TRUSTED_HOSTS for their own host:port only."""
from __future__ import annotations

import json

import pytest

from jiandu.extensions import db
from jiandu.notify import jobs, transport
from jiandu.notify.endpoints import Destination, Endpoint
from jiandu.notify.models import PushSubscription
from jiandu.notify.service import digest, emit
from tests.notify.conftest import trust
from tests.notify.helpers import citizen_report, subscribe, user, window_of
from tests.notify.talkative_push import TalkativePushService
from tests.support.push_service import PushService

INSIDE = "推送地址指向内部网络，不是可用的推送服务"
NOT_A_NAME = "推送地址必须是推送服务的域名，不能是 IP 地址"


def push_a_test_message(username: str = "handler") -> None:
    """What the worker does for one event: fan it out, then send its deliveries."""
    event = emit("test", {"user_id": user(username).id})
    db.session.commit()
    deliveries = jobs.process_events([event.id])
    db.session.commit()
    jobs.send_batch(deliveries)


def listed(api, subscription_id: int) -> dict:
    return next(d for d in api.get("/api/v1/push/subscriptions").get_json()["items"] if d["id"] == subscription_id)


@pytest.mark.parametrize("endpoint, told", [
    ("https://127.1/push/x", NOT_A_NAME),                    # 127.0.0.1, shortened
    ("https://0177.0.0.1/push/x", NOT_A_NAME),               # 127.0.0.1 in octal
    ("https://0x7f000001/push/x", NOT_A_NAME),               # 127.0.0.1 as one hex number
    ("https://0x7f.0x1/push/x", NOT_A_NAME),                 # 127.0.0.1, hex and shortened
    ("https://10.1/push/x", NOT_A_NAME),                     # 10.0.0.1, shortened
    ("https://[::1]/push/x", NOT_A_NAME),
    ("https://[::ffff:127.0.0.1]/push/x", NOT_A_NAME),
    ("https://169.254.169.254/latest/meta-data/", NOT_A_NAME),  # a cloud's metadata service
    ("https://localhost/push/x", INSIDE),                    # a DNS name that resolves to 127.0.0.1
    ("http://push.example.com/x", "推送地址必须是 https 地址"),
    ("https://push.example.com:8443/x", "推送地址必须使用 https 的默认端口 443"),
])
def test_an_endpoint_leading_inside_or_off_https_is_refused_at_subscribe_time(as_user, push_on, push_service,
                                                                               endpoint, told):
    handler = as_user("handler")
    body = {**push_service.new_device().subscription(push_service.url), "endpoint": endpoint}
    response = handler.post("/api/v1/push/subscriptions", json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["fields"] == {"endpoint": told}
    assert handler.get("/api/v1/push/subscriptions").get_json()["items"] == []


def test_a_citizen_device_leading_inside_is_refused_too(app, push_on, push_service):
    http = app.test_client()
    http.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"
    token = citizen_report(http, window_of())["tracking_token"]
    body = {**push_service.new_device().subscription(push_service.url), "endpoint": "https://127.1/push/x"}
    response = http.post(f"/api/v1/track/{token}/subscribe", json=body)
    assert response.status_code == 422 and response.get_json()["error"]["fields"] == {"endpoint": NOT_A_NAME}


def test_only_the_trusted_host_and_port_is_let_through(as_user, push_on, push_service, vapid):
    handler = as_user("handler")
    assert subscribe(handler, push_service.new_device(), push_service.url).status_code == 201
    with PushService(vapid_public_key=vapid["public"]) as untrusted:  # the same 127.0.0.1, another port
        response = subscribe(handler, untrusted.new_device(), untrusted.url)
        assert response.status_code == 422 and response.get_json()["error"]["fields"] == {"endpoint": NOT_A_NAME}
    # The trust of 127.0.0.1:port is not the trust of a name that resolves there.
    by_name = push_service.url.replace("127.0.0.1", "localhost")
    response = subscribe(handler, push_service.new_device(), by_name)
    assert response.status_code == 422 and response.get_json()["error"]["fields"] == {"endpoint": INSIDE}


def test_a_name_that_resolves_inside_at_send_time_is_not_contacted(as_user, push_on, push_service):
    """A device subscribed while its name led to a public address (or kept from before this rule), whose
    name resolves to 127.0.0.1 by the time a message goes out: nothing is sent there."""
    handler = as_user("handler")
    device = push_service.new_device()
    sub_id = subscribe(handler, device, push_service.url).get_json()["id"]
    row = db.session.get(PushSubscription, sub_id)
    row.endpoint = device.subscription(push_service.url.replace("127.0.0.1", "localhost"))["endpoint"]
    row.endpoint_digest = digest(row.endpoint)
    db.session.commit()
    push_a_test_message()
    assert push_service.requests == 0 and push_service.rejected == []
    shown = listed(handler, sub_id)
    assert shown["last_error"] == INSIDE and shown["last_failure_at"] is not None
    assert shown["status"] == "active"  # kept: the name's DNS may be put right


@pytest.mark.parametrize("status", [307, 308, 302, 301])
def test_a_redirect_from_a_push_service_is_not_followed(as_user, push_on, push_service, request, monkeypatch,
                                                        status):
    with PushService(vapid_public_key=push_on["public"]) as internal:  # a service inside our network
        trust(request, monkeypatch, internal.url)  # even one we trust is not reached through a redirect
        target = internal.new_device().subscription(internal.url)["endpoint"]
        device = push_service.new_device([(status, {"Location": target})])
        handler = as_user("handler")
        sub_id = subscribe(handler, device, push_service.url).get_json()["id"]
        push_a_test_message()
        assert push_service.requests == 1
        assert internal.requests == 0 and internal.rejected == [] and internal.received == []
    assert listed(handler, sub_id)["last_error"] == f"推送服务要求转到其他地址，已拒绝（HTTP {status}）"


SECRET = "FATAL db password=Hunter2-0472 at 10.0.3.7:5432 token=sk_live_51HxQ"


@pytest.mark.parametrize("status, told", [
    (400, "推送服务拒绝了这条通知（HTTP 400）"),
    (403, "推送服务不接受本系统的推送密钥（HTTP 403）"),
    (500, "推送服务暂时不可用（HTTP 500），稍后重试"),
])
def test_what_a_push_service_says_never_reaches_the_device_list(as_user, push_on, push_service, request,
                                                                monkeypatch, status, told):
    with TalkativePushService(status, SECRET) as talkative:
        trust(request, monkeypatch, talkative.url)
        handler = as_user("handler")
        sub_id = subscribe(handler, push_service.new_device(), talkative.url).get_json()["id"]
        push_a_test_message()
        assert talkative.requests == 1
    shown = listed(handler, sub_id)
    assert shown["last_error"] == told
    page = json.dumps(handler.get("/api/v1/push/subscriptions").get_json(), ensure_ascii=False)
    assert not any(word in page for word in ("Hunter2", "10.0.3.7", "sk_live", "password", "FATAL"))


def test_the_message_goes_to_the_address_that_was_checked(push_service):
    """No second lookup of the name after the check (DNS rebinding): the connection goes to the checked
    address with the name in Host. `push.invalid` can never resolve (RFC 6761), yet the request arrives."""
    device = push_service.new_device()
    port = int(push_service.url.rsplit(":", 1)[1])
    checked = Destination(Endpoint("http", "push.invalid", port, f"/push/{device.id}", trusted=True), ("127.0.0.1",))
    answer = transport.post(checked, b"x", {"TTL": "60"}, timeout=(1.0, 1.0))
    assert answer.status == 400  # no VAPID: the local push service refuses it, after receiving it
    assert push_service.requests == 1 and push_service.rejected == [(device.id, "no vapid authorization")]
