"""The proof-of-work captcha: signed challenges, verification, single use, and pow.js (run in
Node and in chromium) agreeing with the Python side."""

import hashlib
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import signing

from inquiries import captcha
from inquiries.captcha import CaptchaError, new_challenge, solve, verify

POW_JS = Path(django_settings.BASE_DIR) / "themes" / "default" / "static" / "js" / "pow.js"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed: pow.js cannot be run outside a browser")


def bits(token, nonce):
    return captcha.leading_zero_bits(captcha.work_digest(token, nonce))


def nonce_with_bits(token, low, high):
    """A nonce whose hash has at least `low` and fewer than `high` leading zero bits."""
    nonce = 0
    while not low <= bits(token, str(nonce)) < high:
        nonce += 1
    return str(nonce)


def refused(token, nonce, **kwargs):
    with pytest.raises(CaptchaError) as info:
        verify(token, nonce, **kwargs)
    return info.value


# --- challenges -------------------------------------------------------------------------


def test_challenge_default_difficulty_comes_from_settings(settings):
    settings.INQUIRY_POW_DIFFICULTY = 5
    assert new_challenge().difficulty == 5
    del settings.INQUIRY_POW_DIFFICULTY
    assert new_challenge().difficulty == 16
    assert new_challenge(difficulty=3).difficulty == 3


def test_token_is_compact_url_safe_and_unique():
    tokens = {new_challenge(8).token for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_\-:]+", token)
        assert len(token) < 120  # the form field allows 400


def test_token_is_signed_with_the_pow_salt():
    challenge = new_challenge(8)
    salt, difficulty = signing.loads(challenge.token, salt="tincoso.pow")
    assert difficulty == 8 and len(salt) == 16


@pytest.mark.parametrize("difficulty", [-1, 33, 1.5, "16", True])
def test_unreasonable_difficulty_is_a_programming_error(difficulty):
    with pytest.raises(ValueError):
        new_challenge(difficulty)


# --- the work ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "digest, expected",
    [
        (b"\xff" + bytes(31), 0),
        (b"\x0f" + bytes(31), 4),
        (b"\x00\x80" + bytes(30), 8),
        (b"\x00\x00\x01" + bytes(29), 23),
        (bytes(32), 256),
    ],
)
def test_leading_zero_bits(digest, expected):
    assert captcha.leading_zero_bits(digest) == expected


def test_work_is_sha256_of_token_colon_nonce():
    assert captcha.work_digest("abc", "42") == hashlib.sha256(b"abc:42").digest()


def test_solve_finds_the_smallest_nonce():
    token = new_challenge(10).token
    nonce = solve(token, 10)
    assert bits(token, nonce) >= 10
    assert all(bits(token, str(n)) < 10 for n in range(int(nonce)))


# --- verify -----------------------------------------------------------------------------


def test_round_trip():
    challenge = new_challenge(12)
    verify(challenge.token, solve(challenge.token, challenge.difficulty))


def test_wrong_nonce_is_refused():
    token = new_challenge(12).token
    error = refused(token, nonce_with_bits(token, 0, 12))
    assert error.code == "incomplete"
    assert error.message.startswith("Chưa hoàn tất xác minh chống spam")


def test_signed_difficulty_is_the_one_that_counts():
    """Work enough for 8 bits does not pass a 20-bit challenge; the client cannot lower it."""
    token = new_challenge(20).token
    assert refused(token, nonce_with_bits(token, 8, 20)).code == "incomplete"
    # Swapping in a payload with difficulty 0 breaks the signature.
    payload = signing.b64_encode(json.dumps(["x" * 16, 0], separators=(",", ":")).encode()).decode()
    forged = payload + token[token.index(":") :]
    assert refused(forged, "0").code == "invalid"


def test_zero_difficulty_accepts_any_digits():
    verify(new_challenge(0).token, "7")


def test_work_is_bound_to_its_token():
    first, second = new_challenge(16).token, new_challenge(16).token
    nonce = solve(first, 16)
    if bits(second, nonce) >= 16:  # a 1 in 65,536 coincidence
        pytest.skip("the nonce happens to solve both tokens")
    assert refused(second, nonce).code == "incomplete"


@pytest.mark.parametrize("nonce", [None, "", "abc", "12a", "-1", " 12", "1.5", "١٢٣", "²", "1" * 21, 42])
def test_malformed_nonce_is_refused(nonce):
    token = new_challenge(0).token  # any digits would do: only the form is wrong
    assert refused(token, nonce).code == "incomplete"


def test_twenty_digit_nonce_is_allowed():
    verify(new_challenge(0).token, "9" * 20)


@pytest.mark.parametrize("token", [None, "", "garbage", "a:b:c", "x" * 401, 17])
def test_malformed_token_is_refused(token):
    error = refused(token, "1")
    assert error.code == "invalid"
    assert error.message == "Mã xác minh chống spam không hợp lệ, vui lòng tải lại trang."


def test_tampered_token_is_refused():
    challenge = new_challenge(4)
    nonce = solve(challenge.token, 4)
    token = challenge.token
    last = "A" if token[-1] != "A" else "B"
    for tampered in (token[:-1] + last, "X" + token[1:], token + "x", token.replace(":", ".", 1)):
        assert refused(tampered, nonce).code == "invalid"
    verify(token, nonce)  # the original still passes


def test_token_of_another_salt_or_key_is_refused(settings):
    other_salt = signing.TimestampSigner(salt="tincoso.other").sign_object(["abcdefghijklmnop", 0])
    assert refused(other_salt, "1").code == "invalid"
    token = new_challenge(0).token
    settings.SECRET_KEY = "another secret key, another site" * 2
    assert refused(token, "1").code == "invalid"


def test_payload_must_have_the_expected_shape():
    for payload in (["salt", "16"], ["salt"], {"s": "salt", "d": 0}, ["salt", 99], ["salt", -1]):
        assert refused(captcha._signer().sign_object(payload), "1").code == "invalid"


class _Backdated(signing.TimestampSigner):
    """Signs as if it were `seconds` ago."""

    def __init__(self, seconds, **kwargs):
        super().__init__(**kwargs)
        self.seconds = seconds

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - self.seconds)


def test_expired_token_is_refused():
    old = _Backdated(7200 + 5, salt="tincoso.pow").sign_object(["abcdefghijklmnop", 0])
    error = refused(old, "1")
    assert error.code == "expired"
    assert error.message == "Mã xác minh chống spam đã hết hạn, vui lòng tải lại trang và gửi lại."
    recent = _Backdated(7200 - 60, salt="tincoso.pow").sign_object(["abcdefghijklmnop", 0])
    verify(recent, "1")


def test_max_age_comes_from_settings(settings):
    challenge = new_challenge(0)
    settings.INQUIRY_POW_MAX_AGE = -1  # every token is older than that
    assert refused(challenge.token, "1").code == "expired"
    settings.INQUIRY_POW_MAX_AGE = 60
    verify(challenge.token, "1")


def test_expiry_is_checked_before_the_work():
    old = _Backdated(8000, salt="tincoso.pow").sign_object(["abcdefghijklmnop", 30])
    assert refused(old, "1").code == "expired"


# --- single use -------------------------------------------------------------------------


def test_token_passes_only_once():
    challenge = new_challenge(8)
    nonce = solve(challenge.token, 8)
    verify(challenge.token, nonce)
    error = refused(challenge.token, nonce)
    assert error.code == "used"
    assert error.message == "Biểu mẫu này đã được gửi; vui lòng tải lại trang."
    # Another nonce that also solves it does not help.
    other = str(int(nonce) + 1)
    while bits(challenge.token, other) < 8:
        other = str(int(other) + 1)
    assert refused(challenge.token, other).code == "used"


def test_verify_without_consuming_then_consume():
    challenge = new_challenge(6)
    nonce = solve(challenge.token, 6)
    verify(challenge.token, nonce, consume=False)
    verify(challenge.token, nonce, consume=False)
    captcha.consume(challenge.token)
    assert refused(challenge.token, nonce, consume=False).code == "used"
    with pytest.raises(CaptchaError):
        captcha.consume(challenge.token)


def test_failed_verification_does_not_use_up_the_token():
    challenge = new_challenge(10)
    refused(challenge.token, nonce_with_bits(challenge.token, 0, 10))
    verify(challenge.token, solve(challenge.token, 10))


def test_used_marks_are_kept_in_the_shared_cache():
    from django.core.cache import cache

    challenge = new_challenge(0)
    verify(challenge.token, "0")
    key = "pow-used:" + hashlib.sha256(challenge.token.encode()).hexdigest()
    assert cache.get(key) == 1


def test_captcha_error_is_an_exception_with_a_message():
    error = CaptchaError("Thông báo", "used")
    assert isinstance(error, Exception)
    assert error.message == str(error) == "Thông báo"
    assert error.code == "used"


# --- pow.js -----------------------------------------------------------------------------


def run_node(script, data):
    """Run `script` in Node with pow.js as `pow` and `data` (JSON) as `input`; its JSON output."""
    program = (
        f"const pow = require({json.dumps(str(POW_JS))});\n"
        "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        f"{script}\n"
    )
    done = subprocess.run(
        [NODE, "-e", program], input=json.dumps(data), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


SAMPLES = [
    "",
    "abc",
    "Thông báo tiêm chủng",
    "Ủy ban nhân dân xã An Trường — đường Điện Biên Phủ",
    "emoji 🇻🇳 and 𝕏 (4-byte UTF-8)",
    "a" * 55,  # one block with the length just fitting
    "a" * 56,  # the length spills into a second block
    "a" * 64,
    "Thông báo tiêm chủng, " * 45 + "x" * 10,  # 1,000 characters
    "0123456789" * 100,
]


def test_samples_cover_block_edges_and_a_long_string():
    assert len(SAMPLES[8]) == 1000 and len(SAMPLES[9]) == 1000


@needs_node
def test_js_sha256_agrees_with_hashlib():
    expected = [hashlib.sha256(s.encode("utf-8")).hexdigest() for s in SAMPLES]
    assert run_node("console.log(JSON.stringify(input.map(pow.sha256hex)));", SAMPLES) == expected


@needs_node
def test_js_utf8_fallback_without_textencoder_agrees():
    expected = [list(s.encode("utf-8")) for s in SAMPLES[:5]]
    got = run_node(
        "globalThis.TextEncoder = undefined;console.log(JSON.stringify(input.map((s) => Array.from(pow.utf8(s)))));",
        SAMPLES[:5],
    )
    assert got == expected
    digests = run_node(
        "globalThis.TextEncoder = undefined; console.log(JSON.stringify(input.map(pow.sha256hex)));", SAMPLES
    )
    assert digests == [hashlib.sha256(s.encode("utf-8")).hexdigest() for s in SAMPLES]


@needs_node
def test_js_leading_zero_bits_agrees():
    digests = [[0xFF] + [0] * 31, [0x0F] + [0] * 31, [0, 0x80] + [0] * 30, [0, 0, 1] + [0] * 29, [0] * 32]
    got = run_node("console.log(JSON.stringify(input.map((d) => pow.leadingZeroBits(Uint8Array.from(d)))));", digests)
    assert got == [captcha.leading_zero_bits(bytes(d)) for d in digests]


@needs_node
def test_node_solves_a_real_challenge_that_python_accepts():
    challenge = new_challenge(12)
    nonce = run_node(
        "console.log(JSON.stringify(pow.solveSync(input.token, input.difficulty)));",
        {"token": challenge.token, "difficulty": challenge.difficulty},
    )
    assert nonce == solve(challenge.token, 12)  # the same search, so the same first answer
    verify(challenge.token, nonce)


# --- pow.js in a browser ----------------------------------------------------------------
