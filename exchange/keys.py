"""This installation's own Ed25519 key pair.

The private key comes from EXCHANGE_PRIVATE_KEY (base64 of the 32-byte seed, from the
environment) or else from the PEM file EXCHANGE_KEY_FILE (written by `manage.py exchange_keys`,
outside MEDIA_ROOT, mode 0600). The public key is given to every peer; its fingerprint is our
key id in every message we sign.
"""

import base64
import functools
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from exchange.models import fingerprint
from exchange.signing import public_key_b64


class NoKey(Exception):
    """No key pair configured: `manage.py exchange_keys` makes one."""


def key_file():
    return Path(
        getattr(settings, "EXCHANGE_KEY_FILE", "") or Path(settings.BASE_DIR) / "var" / "exchange" / "ed25519.pem"
    )


@functools.lru_cache(maxsize=8)
def _load(seed_b64, path, mtime):
    if seed_b64:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed_b64))
    return serialization.load_pem_private_key(Path(path).read_bytes(), password=None)


def private_key():
    seed = (getattr(settings, "EXCHANGE_PRIVATE_KEY", "") or "").strip()
    path = key_file()
    if seed:
        return _load(seed, "", 0)
    if not path.exists():
        raise NoKey(f"Chưa có khoá của hệ thống này: chạy manage.py exchange_keys (tệp {path}).")
    return _load("", str(path), path.stat().st_mtime_ns)


def public_key():
    return public_key_b64(private_key())


def key_id():
    return fingerprint(public_key())


def generate(path=None, force=False):
    """Write a new key pair to `path` (default EXCHANGE_KEY_FILE); refuse to overwrite unless
    `force`. Returns the public key (base64)."""
    path = Path(path or key_file())
    if path.exists() and not force:
        raise FileExistsError(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.replace(path.with_suffix(".tmp"), path)
    return public_key_b64(key)


def seed_b64(key):
    """The 32-byte seed of `key`, base64: what EXCHANGE_PRIVATE_KEY holds."""
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return base64.b64encode(raw).decode()
