"""Hostile and unlucky input to the exchange API (the review's cases): impossible dates, huge
numbers, deep nesting and markup are 400 or text, never a 500 nor HTML; a peer's server cannot
redirect our signed requests elsewhere; nothing is fetched from a peer that may not send items;
two deliveries of one item crossing leave one page; a signature is bound to its query; an
inactive peer's key is refused."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from wagtail.signals import page_published

from exchange import outbox, signing
from exchange.models import InboxEntry, OutgoingMessage, OutgoingState, ReceivedItem
from sources.models import EmergencyAlertPage, SourceItemPage
from tests.exchange.conftest import V1, alert, envelope, make_peer, post_signed, source_item
from tests.factories import push

pytestmark = pytest.mark.django_db


class Recorder:
    """A real HTTP server on 127.0.0.1 that answers every request with `status` (and a Location
    when it is a redirect) and remembers the (method, path) it was asked for."""

    def __init__(self, status=302, body=b""):
        self.seen = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                recorder.seen.append((self.command, self.path))
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere/")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def programme(audio_path="/api/lien-thong/v1/audio/1/", sha256="0" * 64):
    item = {
        "remote_id": "ct-1",
        "version": 1,
        "title": "Bản tin",
        "valid_from": "2026-01-01T00:00:00Z",
        "targets": ["844"],
        "audio": {"path": audio_path, "sha256": sha256},
    }
    return envelope("programme", action="publish", item=item)


def error_code(response):
    return response.json()["error"]["code"]


@pytest.mark.parametrize(
    "fields",
    [
        {"valid_from": "2026-13-45T00:00:00Z"},  # well formed, no such moment: Django raises ValueError
        {"date": "2026-02-30"},
        {"version": 10**30},  # more than any integer column holds
        {"version": -1},
        {"title": 12},
        {"targets": {"844": True}},
        {"body": [{"type": "paragraph", "text": ["a"]}]},
    ],
)
def test_impossible_values_are_400_and_nothing_is_saved(client, national, peer_key, fields):
    fields = {"targets": ["844"], **fields}
    response, _, _ = post_signed(client, peer_key, "source-items/", source_item(**fields))
    assert response.status_code == 400, response.content
    assert error_code(response) == "invalid_message"
    assert not SourceItemPage.objects.exists() and not ReceivedItem.objects.exists()


def test_deep_nesting_and_huge_numbers_are_400(client, national, peer_key):
    deep = b'{"a": ' * 5000 + b"1" + b"}" * 5000
    response, _, _ = post_signed(client, peer_key, "source-items/", deep)
    assert response.status_code == 400 and error_code(response) == "too_deep"
    nul, _, _ = post_signed(client, peer_key, "source-items/", source_item(["844"], title="Tin\u0000"))
    assert nul.status_code == 400 and error_code(nul) == "invalid_text"
    huge = json.dumps(envelope("indicators", report={"unit": {"code": "84"}, "totals": {}})).replace(
        '"version": 1', '"version": ' + "9" * 5000
    )
    response, _, _ = post_signed(client, peer_key, "reports/indicators/", huge.encode())
    assert response.status_code == 400 and error_code(response) == "invalid_json"
    assert not SourceItemPage.objects.exists()


def test_markup_travels_as_text_to_the_receiving_site(client, national, peer_key):
    script = "<script>alert(1)</script>"
    item = source_item(
        ["844"],
        title=f"Tin {script}",
        summary=f"Tóm tắt {script}",
        body=[{"type": "heading", "text": f"Mục {script}"}, {"type": "paragraph", "text": f"Đoạn {script}"}],
    )
    warning = alert(["844"], title=f"Bão {script}", summary=f"Gió {script}", instruction=f"Ở nhà {script}")
    for endpoint, message, model in (
        ("source-items/", item, SourceItemPage),
        ("alerts/", warning, EmergencyAlertPage),
    ):
        response, _, _ = post_signed(client, peer_key, endpoint, message)
        assert response.status_code == 200, response.content
        page = model.objects.get(pk=response.json()["page"])
        html = client.get(urlsplit(page.full_url).path, HTTP_HOST=page.get_site().hostname).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert script not in html


def test_nothing_is_fetched_for_a_programme_from_a_downstream_peer(client, province, peer_key, our_key):
    with Recorder(status=200) as server:
        make_peer(province, peer_key, role="downstream", base_url=server.url)
        response, _, _ = post_signed(client, peer_key, "programmes/", programme())
    assert response.status_code == 403 and error_code(response) == "wrong_direction"
    assert server.seen == []


def test_the_audio_fetch_follows_no_redirect(client, province, peer_key, our_key):
    with Recorder(status=302) as server:
        make_peer(province, peer_key, base_url=server.url)
        response, _, _ = post_signed(client, peer_key, "programmes/", programme())
    assert response.status_code == 422 and error_code(response) == "audio_unavailable"
    assert "302" in response.json()["error"]["message"]
    assert server.seen == [("GET", "/api/lien-thong/v1/audio/1/")]


@pytest.mark.parametrize("path", ["/api/lien-thong/v1/audio/1/?x=1", "/api/lien-thong/v1/audio/1/\r\nX: y", "/x"])
def test_an_odd_audio_path_is_400_and_not_fetched(client, national, peer_key, path):
    response, _, _ = post_signed(client, peer_key, "programmes/", programme(path))
    assert response.status_code == 400 and error_code(response) == "invalid_message"


@pytest.mark.parametrize("sha256", [None, "", "ABC", "0" * 63])
def test_the_audio_hash_is_required(client, national, peer_key, sha256):
    """The answer to the audio GET is not signed: the hash in the signed message vouches for it."""
    with Recorder(status=200, body=b"ID3 audio") as server:
        national.base_url = server.url
        national.save()
        response, _, _ = post_signed(client, peer_key, "programmes/", programme(sha256=sha256))
    assert response.status_code == 400 and "sha256" in response.json()["error"]["message"]
    assert server.seen == []


def test_the_outbox_follows_no_redirect(province, district, peer_key, our_key):
    with Recorder(status=303) as server:
        make_peer(province, peer_key, role="downstream", subscriptions="844", base_url=server.url)
        push(province, "Tin", areas=[district])
        message = OutgoingMessage.objects.get()
        assert outbox.deliver(message.pk) == OutgoingState.FAILED
    message.refresh_from_db()
    assert message.last_status == 303
    assert server.seen == [("POST", "/api/lien-thong/v1/source-items/")]


def test_a_reply_that_is_not_the_api_is_not_shown(province, district, peer_key, our_key):
    """A base URL pointed at another service: its reply's text never reaches the admin screen."""
    with Recorder(status=500, body=b"mat-khau-noi-bo=abc123") as server:
        make_peer(province, peer_key, role="downstream", subscriptions="844", base_url=server.url)
        push(province, "Tin", areas=[district])
        message = OutgoingMessage.objects.get()
        assert outbox.deliver(message.pk) == OutgoingState.FAILED
    message.refresh_from_db()
    assert message.last_status == 500 and "HTTP 500" in message.last_error
    assert "abc123" not in message.last_error


def test_one_item_arriving_twice_at_once_is_409_and_leaves_nothing(client, national, peer_key):
    """The other delivery commits its ReceivedItem while this one is creating the page (done
    here from the page_published signal, inside this request's transaction)."""

    def the_other_delivery(sender, instance, **kwargs):
        ReceivedItem.objects.create(peer=national, kind="source_item", remote_id="tin-1", version=1)

    page_published.connect(the_other_delivery, dispatch_uid="test-crossing")
    try:
        response, _, _ = post_signed(client, peer_key, "source-items/", source_item(["844"]))
    finally:
        page_published.disconnect(dispatch_uid="test-crossing")
    assert response.status_code == 409 and error_code(response) == "conflict"
    assert not SourceItemPage.objects.exists() and not ReceivedItem.objects.exists()
    assert InboxEntry.objects.get().error_code == "conflict"


def test_a_signature_is_bound_to_its_query(client, national, peer_key):
    data = json.dumps(source_item(["844"])).encode()
    path = V1 + "source-items/"
    headers = signing.sign(peer_key, national.key_id, "POST", path, data)
    response = client.post(path + "?x=1", data=data, content_type="application/json", headers=headers)
    assert response.status_code == 401 and error_code(response) == "bad_signature"
    assert not SourceItemPage.objects.exists()


def test_an_inactive_peer_is_refused(client, national, peer_key):
    national.is_active = False
    national.save()
    response, _, _ = post_signed(client, peer_key, "source-items/", source_item(["844"]))
    assert response.status_code == 401 and error_code(response) == "unknown_key"
    assert not SourceItemPage.objects.exists()


def test_another_peer_cannot_withdraw_or_update_an_item(client, national, peer_key, province):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    first, _, _ = post_signed(client, peer_key, "source-items/", source_item(["844"]))
    page_id = first.json()["page"]
    other_key = Ed25519PrivateKey.generate()
    make_peer(province, other_key, name="Hệ thống khác", subscriptions="844")
    gone, _, _ = post_signed(
        client, other_key, "source-items/", envelope("source_item", action="withdraw", item={"remote_id": "tin-1"})
    )
    assert gone.json()["status"] == "unknown"
    newer, _, _ = post_signed(client, other_key, "source-items/", source_item(["844"], version=5, title="Giả"))
    assert newer.json()["status"] == "created" and newer.json()["page"] != page_id
    page = SourceItemPage.objects.get(pk=page_id)
    assert page.live and page.title != "Giả"


def test_late_messages_do_not_undo_newer_ones(client, national, peer_key):
    """Retries arrive out of order: an older publication after its withdrawal, or an older
    withdrawal after a newer publication, change nothing."""

    def withdraw(version):
        message = envelope("source_item", action="withdraw", item={"remote_id": "tin-1", "version": version})
        return post_signed(client, peer_key, "source-items/", message)[0].json()

    page_id = post_signed(client, peer_key, "source-items/", source_item(["844"], version=5))[0].json()["page"]
    assert withdraw(5)["status"] == "withdrawn"
    late = post_signed(client, peer_key, "source-items/", source_item(["844"], version=5))[0].json()
    assert late["status"] == "unchanged" and not SourceItemPage.objects.get(pk=page_id).live
    again = post_signed(client, peer_key, "source-items/", source_item(["844"], version=6, title="Đăng lại"))[0]
    assert again.json()["status"] == "updated" and SourceItemPage.objects.get(pk=page_id).live
    assert withdraw(5)["status"] == "unchanged"
    assert SourceItemPage.objects.get(pk=page_id).live


def test_a_message_for_another_installation_is_refused(client, national, peer_key):
    """Signed by a real peer, but addressed to another installation's key (a message captured on
    its way there and replayed here within the clock window): 403, nothing saved."""
    message = source_item(["844"])
    message["recipient"] = "ed25519:" + "ab" * 16
    response, _, _ = post_signed(client, peer_key, "source-items/", message)
    assert response.status_code == 403 and error_code(response) == "wrong_recipient"
    del message["recipient"]
    response, _, _ = post_signed(client, peer_key, "source-items/", message)
    assert response.status_code == 403 and error_code(response) == "wrong_recipient"
    assert not SourceItemPage.objects.exists() and not ReceivedItem.objects.exists()


def test_the_outbox_addresses_each_message_to_its_peer(province, district, peer_key, our_key):
    peer = make_peer(province, peer_key, role="downstream", subscriptions="844")
    push(province, "Tin", areas=[district])
    assert OutgoingMessage.objects.get().body["recipient"] == peer.key_id
