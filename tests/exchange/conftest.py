"""Keys, peers and signed requests for the exchange tests."""

import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange import keys, signing
from exchange.models import Peer, fingerprint

V1 = "/api/lien-thong/v1/"


@pytest.fixture
def our_key(settings):
    """This installation's key (the receiver's in API tests), from the setting."""
    key = Ed25519PrivateKey.generate()
    settings.EXCHANGE_PRIVATE_KEY = keys.seed_b64(key)
    return key


@pytest.fixture
def peer_key():
    return Ed25519PrivateKey.generate()


def make_peer(
    owner,
    key,
    role="upstream",
    subscriptions="",
    name="Hệ thống thông tin nguồn trung ương",
    base_url="http://127.0.0.1:9",
):
    return Peer.objects.create(
        owner=owner,
        name=name,
        base_url=base_url,
        public_key=signing.public_key_b64(key),
        role=role,
        subscriptions=subscriptions,
    )


@pytest.fixture
def national(province, peer_key, our_key):
    """The national installation, upstream of this province, allowed to target Càng Long (844)
    and the commune of Đông Hải (29536)."""
    return make_peer(province, peer_key, subscriptions="844, 29536")


def envelope(kind, **rest):
    try:
        recipient = keys.key_id()  # this installation's (the our_key fixture)
    except keys.NoKey:
        recipient = ""  # no key here (the two-installation tests set the other installation's)
    return {
        "version": 1,
        "id": str(uuid.uuid4()),
        "type": kind,
        "sent_at": "2026-12-06T08:00:00Z",
        "sender": {"unit_code": "00", "name": "Trung ương"},
        "recipient": recipient,
        **rest,
    }


def post_signed(client, key, endpoint, body, *, sign_body=None, headers=None):
    """POST `body` (a dict, or bytes as they are) signed with `key`; `sign_body`: sign other
    bytes than those sent (a tampered message)."""
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    path = V1 + endpoint
    signed = signing.sign(
        key, fingerprint(signing.public_key_b64(key)), "POST", path, data if sign_body is None else sign_body
    )
    signed.update(headers or {})
    return client.post(path, data=data, content_type="application/json", headers=signed), signed, data


def source_item(targets, remote_id="tin-1", version=1, **fields):
    item = {
        "remote_id": remote_id,
        "version": version,
        "title": "Hướng dẫn phòng chống sốt xuất huyết",
        "summary": "Người dân diệt lăng quăng, ngủ màn.",
        "valid_from": "2026-01-01T00:00:00Z",
        "valid_until": None,
        "priority": "priority",
        "body": [{"type": "heading", "text": "Biện pháp"}, {"type": "paragraph", "text": "Dòng một <b>\nDòng hai"}],
        "targets": targets,
    }
    item.update(fields)
    return envelope("source_item", action="publish", item=item)


def alert(targets, remote_id="canh-bao-1", version=1, **fields):
    item = {
        "remote_id": remote_id,
        "version": version,
        "title": "Bão số 9 đổ bộ",
        "summary": "Gió mạnh cấp 10, giật cấp 12.",
        "event": "Bão số 9",
        "category": "Met",
        "urgency": "Immediate",
        "severity": "Extreme",
        "certainty": "Likely",
        "instruction": "Gia cố nhà cửa, không ra khơi.",
        "valid_from": "2026-01-01T00:00:00Z",
        "valid_until": "2099-01-01T00:00:00Z",
        "cap_status": "Actual",
        "targets": targets,
    }
    item.update(fields)
    return envelope("alert", action="publish", item=item)
