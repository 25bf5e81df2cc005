"""The signature profile (exchange/signing.py): RFC 9421 with Content-Digest, Ed25519."""

import base64
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange import signing
from exchange.models import fingerprint

PATH = "/api/lien-thong/v1/source-items/"
BODY = '{"version": 1, "type": "source_item", "title": "Lịch tiêm chủng"}'.encode()


@pytest.fixture
def key():
    return Ed25519PrivateKey.generate()


def ids(key):
    public = signing.public_key_b64(key)
    return public, fingerprint(public)


def lookup(*keys):
    table = {fingerprint(signing.public_key_b64(k)): signing.public_bytes(k) for k in keys}
    return table.get


def test_good_signature_verifies_and_names_the_key(key):
    _, key_id = ids(key)
    headers = signing.sign(key, key_id, "POST", PATH, BODY)
    verified = signing.verify(headers, "POST", PATH, "", BODY, lookup(key))
    assert verified.key_id == key_id
    assert len(verified.nonce) >= 16
    assert headers["Content-Digest"].startswith("sha-256=:")
    assert headers["Signature-Input"].startswith('sig1=("@method" "@path" "@query" "content-digest");created=')


def test_content_digest_is_rfc9530():
    # RFC 9530 appendix: {"hello": "world"} and a newline
    assert signing.content_digest(b'{"hello": "world"}\n') == "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:"


def test_signature_base_is_rfc9421_shaped(key):
    base = signing.signature_base("post", PATH, "", "sha-256=:x:", '("@method");created=1')
    assert base.decode().splitlines() == [
        '"@method": POST',
        f'"@path": {PATH}',
        '"@query": ?',
        '"content-digest": sha-256=:x:',
        '"@signature-params": ("@method");created=1',
    ]


def test_tampered_body_is_refused(key):
    headers = signing.sign(key, ids(key)[1], "POST", PATH, BODY)
    with pytest.raises(signing.SignatureError) as caught:
        signing.verify(headers, "POST", PATH, "", BODY.replace("Lịch".encode(), b"Lich"), lookup(key))
    assert caught.value.code == "digest_mismatch" and caught.value.status == 401


def test_body_and_digest_both_replaced_is_refused(key):
    headers = signing.sign(key, ids(key)[1], "POST", PATH, BODY)
    other = BODY + b" "
    headers["Content-Digest"] = signing.content_digest(other)
    with pytest.raises(signing.SignatureError) as caught:
        signing.verify(headers, "POST", PATH, "", other, lookup(key))
    assert caught.value.code == "bad_signature"


@pytest.mark.parametrize(
    "change",
    [
        lambda h: h.__setitem__("Signature-Input", h["Signature-Input"].replace("created=", "created=1")),
        lambda h: h.__setitem__("Signature-Input", h["Signature-Input"].replace('nonce="', 'nonce="x')),
    ],
    ids=["created", "nonce"],
)
def test_tampered_header_is_refused(key, change):
    headers = signing.sign(key, ids(key)[1], "POST", PATH, BODY)
    change(headers)
    with pytest.raises(signing.SignatureError) as caught:
        signing.verify(headers, "POST", PATH, "", BODY, lookup(key))
    # The signature is checked before `created`: a changed parameter is a bad signature, never
    # merely "expired" (which would pass unnoticed had the parameters been left unsigned).
    assert caught.value.code == "bad_signature"


def test_other_path_method_or_query_is_refused(key):
    headers = signing.sign(key, ids(key)[1], "POST", PATH, BODY)
    for method, path, query in (("POST", "/api/lien-thong/v1/alerts/", ""), ("PUT", PATH, ""), ("POST", PATH, "a=1")):
        with pytest.raises(signing.SignatureError) as caught:
            signing.verify(headers, method, path, query, BODY, lookup(key))
        assert caught.value.code == "bad_signature", (method, path, query)
    assert signing.verify(headers, "POST", PATH, "", BODY, lookup(key))


def test_wrong_key_is_refused(key):
    """Signed by another key under this key's id: checked with this key only, refused."""
    other = Ed25519PrivateKey.generate()
    headers = signing.sign(other, ids(key)[1], "POST", PATH, BODY)
    with pytest.raises(signing.SignatureError) as caught:
        signing.verify(headers, "POST", PATH, "", BODY, lookup(key))
    assert caught.value.code == "bad_signature"


def test_unknown_key_id_is_refused(key):
    other = Ed25519PrivateKey.generate()
    headers = signing.sign(other, ids(other)[1], "POST", PATH, BODY)
    with pytest.raises(signing.SignatureError) as caught:
        signing.verify(headers, "POST", PATH, "", BODY, lookup(key))
    assert caught.value.code == "unknown_key"


@pytest.mark.parametrize("offset", [-400, 400])
def test_created_outside_five_minutes_is_refused(key, offset):
    now = time.time()
    headers = signing.sign(key, ids(key)[1], "POST", PATH, BODY, created=now + offset)
    with pytest.raises(signing.SignatureError) as caught:
        signing.verify(headers, "POST", PATH, "", BODY, lookup(key), now=now)
    assert caught.value.code == "expired"
    headers = signing.sign(key, ids(key)[1], "POST", PATH, BODY, created=now + offset / 2)
    assert signing.verify(headers, "POST", PATH, "", BODY, lookup(key), now=now)


def test_unsigned_and_malformed_headers_are_refused(key):
    with pytest.raises(signing.SignatureError) as caught:
        signing.verify({}, "POST", PATH, "", BODY, lookup(key))
    assert caught.value.code == "unsigned"
    headers = signing.sign(key, ids(key)[1], "POST", PATH, BODY)
    headers["Signature-Input"] = headers["Signature-Input"].replace('"@query" ', "")
    with pytest.raises(signing.SignatureError) as caught:
        signing.verify(headers, "POST", PATH, "", BODY, lookup(key))
    assert caught.value.code == "bad_signature_input"


def test_fingerprint_is_stable_and_refuses_garbage(key):
    public, key_id = ids(key)
    assert key_id == fingerprint(" " + public + "\n")
    assert key_id.startswith("ed25519:") and len(key_id) == 8 + 32
    with pytest.raises(ValueError):
        fingerprint("not base64!")
    assert len(base64.b64decode(public)) == 32
