"""Signed HTTP messages between installations: a profile of HTTP Message Signatures (RFC 9421)
with Content-Digest (RFC 9530), Ed25519 keys. Pure: no models, no settings.

Every request (POST with a JSON body, GET of a programme's audio) carries

    Content-Digest: sha-256=:<base64 SHA-256 of the body (empty for a GET)>:
    Signature-Input: sig1=("@method" "@path" "@query" "content-digest");created=<unix time>;
                     keyid="ed25519:<hex>";nonce="<random>";alg="ed25519";tag="tincoso-lien-thong-v1"
    Signature: sig1=:<base64 Ed25519 signature of the signature base>:

The signature base is RFC 9421's (§2.5): one line per covered component, `"name": value`, then
the `"@signature-params"` line, joined by "\\n". The key id is the fingerprint of the signer's
public key (exchange.models.fingerprint), so the receiver finds the peer from it and checks
with that peer's key only. The receiver checks, in this order: the headers are there and in
this profile; the key id names a known peer; the body matches its digest; the signature;
`created` within ±WINDOW_S of its clock; the nonce never seen (the caller keeps nonces).
"""

import base64
import hashlib
import re
import secrets
import time
import urllib.request
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

LABEL = "sig1"
TAG = "tincoso-lien-thong-v1"
COMPONENTS = ("@method", "@path", "@query", "content-digest")
WINDOW_S = 300


class SignatureError(Exception):
    """A refused request: `status` (401 or 409), `code` (machine) and `message` (Vietnamese)."""

    def __init__(self, code, message, status=401):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Verified:
    key_id: str
    created: int
    nonce: str


def content_digest(body):
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def _params(created, key_id, nonce):
    components = " ".join(f'"{c}"' for c in COMPONENTS)
    return f'({components});created={created};keyid="{key_id}";nonce="{nonce}";alg="ed25519";tag="{TAG}"'


def signature_base(method, path, query, digest, params):
    values = {
        "@method": method.upper(),
        "@path": path or "/",
        "@query": "?" + (query or ""),
        "content-digest": digest,
    }
    lines = [f'"{name}": {values[name]}' for name in COMPONENTS]
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines).encode()


def sign(private_key: Ed25519PrivateKey, key_id, method, path, body=b"", query="", created=None, nonce=None):
    """The headers that sign this request."""
    created = int(time.time()) if created is None else int(created)
    nonce = nonce or secrets.token_urlsafe(18)
    digest = content_digest(body)
    params = _params(created, key_id, nonce)
    signature = private_key.sign(signature_base(method, path, query, digest, params))
    return {
        "Content-Digest": digest,
        "Signature-Input": f"{LABEL}={params}",
        "Signature": f"{LABEL}=:{base64.b64encode(signature).decode()}:",
    }


_INPUT = re.compile(
    r"^sig1=\((?P<components>[^)]*)\)"
    r";created=(?P<created>\d{1,12})"
    r';keyid="(?P<keyid>[A-Za-z0-9:._-]{1,100})"'
    r';nonce="(?P<nonce>[A-Za-z0-9_-]{8,100})"'
    r';alg="ed25519"'
    r';tag="(?P<tag>[a-z0-9-]{1,60})"$'
)
_SIGNATURE = re.compile(r"^sig1=:(?P<value>[A-Za-z0-9+/=]{1,200}):$")


def parse_input(value):
    match = _INPUT.match((value or "").strip())
    if match is None:
        raise SignatureError("bad_signature_input", "Thiếu hoặc sai tiêu đề Signature-Input (RFC 9421, hồ sơ tincoso).")
    components = tuple(part.strip('"') for part in match["components"].split())
    if components != COMPONENTS or match["tag"] != TAG:
        raise SignatureError(
            "bad_signature_input", 'Signature-Input phải ký đủ "@method" "@path" "@query" "content-digest".'
        )
    return match


def verify(headers, method, path, query, body, public_key_for, now=None):
    """Check a request's signature. `headers`: a mapping with case-insensitive get (Django's
    request.headers) or lower-case keys; `public_key_for(key_id)`: the peer's raw 32-byte
    public key, or None when unknown. Returns Verified; raises SignatureError. The nonce is
    the caller's to record (and refuse when seen)."""
    get = headers.get
    signature_input = get("Signature-Input") or get("signature-input")
    signature_header = get("Signature") or get("signature")
    digest = get("Content-Digest") or get("content-digest")
    if not signature_input or not signature_header or not digest:
        raise SignatureError(
            "unsigned", "Bản tin không có chữ ký (thiếu Signature, Signature-Input hoặc Content-Digest)."
        )
    match = parse_input(signature_input)
    key_id = match["keyid"]
    raw_key = public_key_for(key_id)
    if raw_key is None:
        raise SignatureError("unknown_key", f"Mã khoá {key_id} không thuộc hệ thống liên thông nào đã đăng ký.")
    if digest.strip() != content_digest(body):
        raise SignatureError("digest_mismatch", "Nội dung bản tin không khớp Content-Digest: đã bị sửa trên đường đi.")
    sig_match = _SIGNATURE.match(signature_header.strip())
    if sig_match is None:
        raise SignatureError("bad_signature", "Tiêu đề Signature sai định dạng.")
    params = signature_input.strip()[len(LABEL) + 1 :]
    base = signature_base(method, path, query, digest.strip(), params)
    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(base64.b64decode(sig_match["value"]), base)
    except (InvalidSignature, ValueError):
        raise SignatureError("bad_signature", "Chữ ký không đúng với khoá của hệ thống gửi.") from None
    created = int(match["created"])
    now = time.time() if now is None else now
    if abs(now - created) > WINDOW_S:
        raise SignatureError(
            "expired", f"Thời điểm ký (created) lệch quá {WINDOW_S // 60} phút so với đồng hồ máy nhận."
        )
    return Verified(key_id=key_id, created=created, nonce=match["nonce"])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A signed request is never followed elsewhere: urllib would carry the signature headers
    to the new address (and turn a POST into a GET), letting a peer's server point us at any
    address, our own network included. A 3xx stays an HTTPError with its status."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def urlopen(request, timeout):
    """Open a signed request without following redirects (urllib.request.urlopen otherwise)."""
    return _opener.open(request, timeout=timeout)


def public_bytes(private_key: Ed25519PrivateKey):
    from cryptography.hazmat.primitives import serialization

    return private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_b64(private_key: Ed25519PrivateKey):
    return base64.b64encode(public_bytes(private_key)).decode()
