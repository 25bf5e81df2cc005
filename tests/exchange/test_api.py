"""The exchange API through Django's test client: what is taken, and every refusal (nothing
half-saved, each refusal in the log)."""

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange.models import InboxEntry, PeerReport, ReceivedItem
from sources.models import EmergencyAlertPage, SourceItemPage, active_alerts_for, active_items_for
from tests.exchange.conftest import alert, envelope, make_peer, post_signed, source_item

pytestmark = pytest.mark.django_db


def error_of(response):
    data = response.json()
    assert set(data) == {"error"} and set(data["error"]) == {"code", "message"}
    return data["error"]


def test_source_item_lands_published_on_the_targeted_commune(client, national, peer_key, commune, other_commune):
    response, _, _ = post_signed(client, peer_key, "source-items/", source_item(["844", "29536"]))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "created"
    page = SourceItemPage.objects.get(pk=response.json()["page"])
    assert page.live and page.priority == "priority"
    assert page.get_parent().specific_class.__name__ == "SourceIndexPage"
    assert page.get_parent().get_parent().get_parent().specific.code == "84"
    assert [a.code for a in page.target_areas.all()] == ["844"]
    assert [c.code for c in page.target_communes.all()] == ["29536"]
    # Text travels as text: the markup is escaped, lines become paragraphs.
    html = str(page.body[1].value)
    assert "&lt;b&gt;" in html and "<p>Dòng hai</p>" in html
    assert page in active_items_for(commune) and page in active_items_for(other_commune)
    assert InboxEntry.objects.get(accepted=True).peer == national


def test_update_and_withdraw_by_remote_id_are_idempotent(client, national, peer_key, commune):
    first, _, _ = post_signed(client, peer_key, "source-items/", source_item(["844"]))
    page_id = first.json()["page"]
    again, _, _ = post_signed(client, peer_key, "source-items/", source_item(["844"]))
    assert again.json() == {"status": "unchanged", "page": page_id}
    newer, _, _ = post_signed(client, peer_key, "source-items/", source_item(["844"], version=2, title="Đã sửa"))
    assert newer.json()["status"] == "updated" and newer.json()["page"] == page_id
    assert SourceItemPage.objects.get(pk=page_id).title == "Đã sửa"
    assert SourceItemPage.objects.count() == 1
    gone, _, _ = post_signed(
        client,
        peer_key,
        "source-items/",
        envelope("source_item", action="withdraw", item={"remote_id": "tin-1", "version": 3}),
    )
    assert gone.json()["status"] == "withdrawn"
    page = SourceItemPage.objects.get(pk=page_id)
    assert not page.live and page not in active_items_for(commune)
    assert ReceivedItem.objects.get(remote_id="tin-1").withdrawn


def test_alert_with_cap_fields_shows_its_banner(client, national, peer_key, commune):
    response, _, _ = post_signed(client, peer_key, "alerts/", alert(["29275"]))
    assert response.status_code == 200, response.content
    page = EmergencyAlertPage.objects.get(pk=response.json()["page"])
    assert (page.event, page.severity, page.cap_status) == ("Bão số 9", "Extreme", "Actual")
    assert page in active_alerts_for(commune)


def test_unknown_unit_code_refuses_the_whole_message(client, national, peer_key):
    response, _, _ = post_signed(client, peer_key, "source-items/", source_item(["844", "99999"]))
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "unknown_unit_code" and "99999" in error["message"] and "844" not in error["message"]
    assert not SourceItemPage.objects.exists() and not ReceivedItem.objects.exists()
    entry = InboxEntry.objects.get()
    assert not entry.accepted and entry.status == 422 and "99999" in entry.message


def test_target_outside_the_subscription_is_refused(client, national, peer_key):
    response, _, _ = post_signed(client, peer_key, "alerts/", alert(["845"]))  # Cầu Kè: not subscribed
    assert response.status_code == 403
    assert error_of(response)["code"] == "outside_subscription"
    assert not EmergencyAlertPage.objects.exists()


def test_malformed_json_is_400(client, national, peer_key):
    response, _, _ = post_signed(client, peer_key, "source-items/", b'{"version": 1, "type": ')
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_json"


@pytest.mark.parametrize(
    "change, code",
    [
        (lambda m: m.update(type="alert"), "wrong_type"),
        (lambda m: m.update(version=2), "unsupported_version"),
        (lambda m: m["item"].pop("title"), "invalid_message"),
        (lambda m: m["item"].update(valid_from="hôm qua"), "invalid_message"),
        (lambda m: m["item"].update(targets="844"), "invalid_message"),
        (lambda m: m["item"].update(priority="rat-gap"), "invalid_message"),
    ],
)
def test_bad_messages_are_400(client, national, peer_key, change, code):
    message = source_item(["844"])
    change(message)
    response, _, _ = post_signed(client, peer_key, "source-items/", message)
    assert response.status_code == 400
    assert error_of(response)["code"] == code
    assert not SourceItemPage.objects.exists()


def test_unsigned_unknown_key_and_wrong_key(client, national, peer_key):
    data = json.dumps(source_item(["844"])).encode()
    response = client.post("/api/lien-thong/v1/source-items/", data=data, content_type="application/json")
    assert response.status_code == 401 and error_of(response)["code"] == "unsigned"
    stranger = Ed25519PrivateKey.generate()
    response, _, _ = post_signed(client, stranger, "source-items/", source_item(["844"]))
    assert response.status_code == 401 and error_of(response)["code"] == "unknown_key"
    assert not SourceItemPage.objects.exists()
    assert InboxEntry.objects.filter(accepted=False).count() == 2


def test_each_peer_is_checked_with_its_own_key(client, national, peer_key, province):
    """A second peer's key signing under the first peer's key id: refused."""
    other_key = Ed25519PrivateKey.generate()
    make_peer(province, other_key, name="Tỉnh bên", subscriptions="844")
    from exchange import signing
    from exchange.models import fingerprint

    body = json.dumps(source_item(["844"])).encode()
    path = "/api/lien-thong/v1/source-items/"
    headers = signing.sign(other_key, fingerprint(signing.public_key_b64(peer_key)), "POST", path, body)
    response = client.post(path, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 401 and error_of(response)["code"] == "bad_signature"


def test_tampered_body_and_replay_are_refused(client, national, peer_key):
    message = source_item(["844"])
    signed = json.dumps(message).encode()
    tampered = dict(message, item=dict(message["item"], title="Tin giả"))
    response, _, _ = post_signed(client, peer_key, "source-items/", tampered, sign_body=signed)
    assert response.status_code == 401 and error_of(response)["code"] == "digest_mismatch"
    response, headers, data = post_signed(client, peer_key, "source-items/", message)
    assert response.status_code == 200
    replay = client.post(
        "/api/lien-thong/v1/source-items/", data=data, content_type="application/json", headers=headers
    )
    assert replay.status_code == 409 and error_of(replay)["code"] == "replayed"
    assert SourceItemPage.objects.count() == 1
    assert list(InboxEntry.objects.filter(accepted=False).values_list("error_code", flat=True).order_by("pk")) == [
        "digest_mismatch",
        "replayed",
    ]


def test_expired_signature_is_refused(client, national, peer_key):
    import time

    from exchange import signing
    from exchange.models import fingerprint

    body = json.dumps(source_item(["844"])).encode()
    path = "/api/lien-thong/v1/source-items/"
    headers = signing.sign(
        peer_key, fingerprint(signing.public_key_b64(peer_key)), "POST", path, body, created=time.time() - 600
    )
    response = client.post(path, data=body, content_type="application/json", headers=headers)
    assert response.status_code == 401 and error_of(response)["code"] == "expired"


def test_direction_is_enforced(client, province, peer_key, our_key):
    make_peer(province, peer_key, role="downstream", name="Huyện Càng Long")
    response, _, _ = post_signed(client, peer_key, "source-items/", source_item(["844"]))
    assert response.status_code == 403 and error_of(response)["code"] == "wrong_direction"


def test_reports_are_stored_from_a_downstream_peer(client, province, peer_key, our_key):
    make_peer(province, peer_key, role="downstream", name="Tỉnh Trà Vinh")
    report = {
        "unit": {"code": "84", "name": "Tỉnh Trà Vinh"},
        "period": {"key": "2026-12", "label": "Tháng 12/2026"},
        "totals": {"websites": {"count": 3, "total": 4, "rate": 0.75, "applicable": True}},
    }
    response, _, _ = post_signed(client, peer_key, "reports/indicators/", envelope("indicators", report=report))
    assert response.status_code == 200, response.content
    stored = PeerReport.objects.get()
    assert (stored.unit_code, stored.kind, stored.period) == ("84", "indicators", "Tháng 12/2026")
    bad = dict(report, unit={"code": "98", "name": "?"})
    response, _, _ = post_signed(client, peer_key, "reports/indicators/", envelope("indicators", report=bad))
    assert response.status_code == 422 and "98" in error_of(response)["message"]
    assert PeerReport.objects.count() == 1


def test_same_message_id_twice_is_a_duplicate(client, national, peer_key):
    message = source_item(["844"])
    post_signed(client, peer_key, "source-items/", message)
    again, _, _ = post_signed(client, peer_key, "source-items/", message)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"


def test_too_large_is_413(client, national, peer_key, settings):
    settings.EXCHANGE_MAX_BODY_BYTES = 100
    response, _, _ = post_signed(client, peer_key, "source-items/", source_item(["844"]))
    assert response.status_code == 413 and error_of(response)["code"] == "too_large"


def test_public_key_endpoint(client, our_key):
    from exchange import keys

    data = client.get("/api/lien-thong/v1/key/").json()
    assert data["public_key"] == keys.public_key() and data["key_id"] == keys.key_id()


def test_two_items_with_the_same_title_both_land(client, national, peer_key):
    for remote_id in ("tin-a", "tin-b"):
        response, _, _ = post_signed(client, peer_key, "source-items/", source_item(["844"], remote_id=remote_id))
        assert response.status_code == 200, response.content
    slugs = set(SourceItemPage.objects.values_list("slug", flat=True))
    assert len(slugs) == 2
