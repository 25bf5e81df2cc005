"""An offline proof-of-work captcha for the public forms: no third-party service, no cookies.

The server hands out a signed challenge (``new_challenge``); the browser (static
``default/js/pow.js``) finds a decimal ``nonce`` such that

    sha256((token + ":" + nonce).encode("utf-8"))

starts with at least ``difficulty`` zero bits (2**difficulty hashes on average: 16 bits is
about a second on a cheap phone) and posts it with the form; ``verify`` checks the signature,
the age, the work and that the token was not used before.

The token is ``django.core.signing`` text (URL-safe base64 and ``:``, about 80 characters)
over a random salt and the difficulty, so the difficulty a client must meet is the one the
server signed. Single use rests on the default cache: with the per-process local-memory cache
a token can be replayed once per server process, so deployments with several processes
should use the shared (Redis) cache.

Settings: ``INQUIRY_POW_DIFFICULTY`` (bits, default 16), ``INQUIRY_POW_MAX_AGE`` (seconds a
token stays valid, default 7200).
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache

SALT = "tincoso.pow"
MAX_DIFFICULTY = 32
MAX_NONCE_LENGTH = 20
_MAX_TOKEN_LENGTH = 400

MSG_INVALID = "Mã xác minh chống spam không hợp lệ, vui lòng tải lại trang."
MSG_EXPIRED = "Mã xác minh chống spam đã hết hạn, vui lòng tải lại trang và gửi lại."
MSG_INCOMPLETE = (
    "Chưa hoàn tất xác minh chống spam. Vui lòng chờ vài giây rồi gửi lại (trình duyệt cần bật JavaScript)."
)
MSG_USED = "Biểu mẫu này đã được gửi; vui lòng tải lại trang."


class CaptchaError(Exception):
    """A refused proof of work; ``message`` is for the citizen, ``code`` for the code."""

    def __init__(self, message, code="invalid"):
        super().__init__(message)
        self.message = message
        self.code = code  # "invalid", "expired", "incomplete" or "used"


@dataclass(frozen=True)
class Challenge:
    token: str
    difficulty: int


def _max_age():
    return getattr(settings, "INQUIRY_POW_MAX_AGE", 7200)


def _signer():
    return signing.TimestampSigner(salt=SALT)


def new_challenge(difficulty=None) -> Challenge:
    """A fresh signed challenge; ``difficulty`` in leading zero bits (default from settings)."""
    if difficulty is None:
        difficulty = getattr(settings, "INQUIRY_POW_DIFFICULTY", 16)
    if type(difficulty) is not int or not 0 <= difficulty <= MAX_DIFFICULTY:
        raise ValueError(f"difficulty must be an int in 0..{MAX_DIFFICULTY}, not {difficulty!r}")
    token = _signer().sign_object([secrets.token_urlsafe(12), difficulty])
    return Challenge(token=token, difficulty=difficulty)


def work_digest(token: str, nonce: str) -> bytes:
    return hashlib.sha256(f"{token}:{nonce}".encode()).digest()


def leading_zero_bits(digest: bytes) -> int:
    """Zero bits before the first one bit: b"\\x00\\x80" → 8, b"\\x0f" → 4."""
    return len(digest) * 8 - int.from_bytes(digest, "big").bit_length()


def solve(token: str, difficulty: int) -> str:
    """The smallest nonce meeting ``difficulty`` (what pow.js does, for tests and load tests)."""
    nonce = 0
    while leading_zero_bits(work_digest(token, str(nonce))) < difficulty:
        nonce += 1
    return str(nonce)


def _difficulty_of(token) -> int:
    """The signed difficulty of a valid, unexpired token; CaptchaError otherwise."""
    if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN_LENGTH:
        raise CaptchaError(MSG_INVALID)
    try:
        payload = _signer().unsign_object(token, max_age=_max_age())
    except signing.SignatureExpired:
        raise CaptchaError(MSG_EXPIRED, "expired") from None
    except (signing.BadSignature, ValueError):  # ValueError: undecodable payload
        raise CaptchaError(MSG_INVALID) from None
    match payload:
        case [str(), int(difficulty)] if 0 <= difficulty <= MAX_DIFFICULTY:
            return difficulty
    raise CaptchaError(MSG_INVALID)


def consume(token: str) -> None:
    """Mark ``token`` as used; CaptchaError if it already was. Atomic with a shared cache."""
    _mark_used(token)


def _used_key(token):
    return "pow-used:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def _mark_used(token):
    # Remembered a little past the token's own lifetime, after which it is refused as expired.
    if not cache.add(_used_key(token), 1, timeout=max(_max_age(), 0) + 60):
        raise CaptchaError(MSG_USED, "used")


def verify(token, nonce, consume=True) -> None:
    """Raise CaptchaError unless ``nonce`` solves the valid, unexpired, unused ``token``.

    With ``consume=True`` (the default) a successful check also marks the token used, so it
    passes once; ``consume=False`` refuses a used token without marking this one (call
    ``consume(token)`` once the rest of the submission is accepted).
    """
    difficulty = _difficulty_of(token)
    if (
        not isinstance(nonce, str)
        or not 0 < len(nonce) <= MAX_NONCE_LENGTH
        or not (nonce.isascii() and nonce.isdigit())
    ):
        raise CaptchaError(MSG_INCOMPLETE, "incomplete")
    if leading_zero_bits(work_digest(token, nonce)) < difficulty:
        raise CaptchaError(MSG_INCOMPLETE, "incomplete")
    if consume:
        _mark_used(token)
    elif cache.get(_used_key(token)) is not None:
        raise CaptchaError(MSG_USED, "used")
