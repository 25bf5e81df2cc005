"""The broker's side of the real-time channel (docs/architecture.md, "Real-time channel v1"):
who may connect and what each may do, as Mosquitto's password file and ACL file, kept in step
with the boards, and the broker told to reload.

    hash_password / check_password   Mosquitto's `$7$` format: PBKDF2-HMAC-SHA512, 101
                                     iterations, 12-byte salt, standard base64 (as
                                     mosquitto_passwd writes it)
    passwd_text / acl_text           the two files' text (pure)
    write_files                      both files, atomically, from the database; True if changed
    reload_broker                    SIGHUP to the broker's pid file: Mosquitto re-reads both and
                                     disconnects a client whose password no longer matches;
                                     `manage.py mqtt_broker` (amqtt) does the same

A board's username is its id and its password its player token; the server's user is
SERVER_USERNAME. The ACL is the same rule for every board, written with Mosquitto's `%u`
patterns; boards/embedded_broker.py applies the identical rule (`allowed`).
"""

import base64
import functools
import hashlib
import hmac
import os
import re
import signal
import tempfile
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max

SERVER_USERNAME = "tincoso-server"
ITERATIONS = 101  # mosquitto_passwd's default
SALT_BYTES = 12
_HASH = re.compile(r"^\$7\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$")
BOARD_USERNAME = re.compile(r"^[1-9][0-9]{0,17}$")  # a board id


# --- passwords ---------------------------------------------------------------------------------


def hash_password(password, salt=None, iterations=ITERATIONS):
    """`$7$101$<salt>$<key>`: what Mosquitto's password file holds for `password`."""
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    key = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def check_password(password, hashed):
    """Does `password` match a `$7$` hash (constant time)? False for anything malformed."""
    match = _HASH.match(hashed or "")
    if not match or password is None:
        return False
    try:
        iterations, salt, key = int(match[1]), base64.b64decode(match[2]), base64.b64decode(match[3])
    except ValueError:
        return False
    if not 1 <= iterations <= 1_000_000:
        return False
    candidate = hashlib.pbkdf2_hmac("sha512", str(password).encode("utf-8"), salt, iterations)
    return hmac.compare_digest(candidate, key)


def server_password():
    """The server's own broker password: MQTT_SERVER_PASSWORD, or derived from SECRET_KEY (so
    every process of one installation agrees without a shared file)."""
    configured = getattr(settings, "MQTT_SERVER_PASSWORD", "")
    if configured:
        return configured
    return hmac.new(settings.SECRET_KEY.encode(), b"tincoso mqtt server", hashlib.sha256).hexdigest()


# --- the files ---------------------------------------------------------------------------------


def passwd_text(entries):
    """`entries`: (username, `$7$` hash) pairs → the password file's text (sorted, one per line)."""
    lines = []
    for username, hashed in sorted(entries):
        if ":" in username or "\n" in username or not _HASH.match(hashed or ""):
            raise ValueError(f"không ghi được tài khoản {username!r} vào tệp mật khẩu")
        lines.append(f"{username}:{hashed}")
    return "".join(f"{line}\n" for line in lines)


def acl_text(prefix):
    """The ACL file: the server may do everything under the prefix; a board (username = its id)
    may read only its commands and write only its status and its acks."""
    return (
        "# Written by tincoso (boards/broker.py); edits are overwritten.\n"
        f"user {SERVER_USERNAME}\n"
        f"topic readwrite {prefix}/#\n"
        "\n"
        f"pattern read {prefix}/boards/%u/cmd\n"
        f"pattern write {prefix}/boards/%u/status\n"
        f"pattern write {prefix}/boards/%u/ack\n"
    )


def allowed(username, topic, write, prefix=None):
    """The ACL file's rule, for a broker that does not read it (boards/embedded_broker.py)."""
    prefix = prefix or settings.MQTT_PREFIX
    if username == SERVER_USERNAME:
        return topic == prefix or topic.startswith(f"{prefix}/")
    if not BOARD_USERNAME.match(username or ""):
        return False
    base = f"{prefix}/boards/{username}/"
    return topic in (base + "status", base + "ack") if write else topic == base + "cmd"


def board_entries():
    """(username, hash) of every active board that has broker credentials."""
    from boards.models import Board  # here: boards.models imports this module

    rows = Board.objects.filter(is_active=True).exclude(mqtt_hash="").values_list("pk", "mqtt_hash")
    return [(str(pk), hashed) for pk, hashed in rows]


def fingerprint():
    """Changes whenever the files would: a token issued or revoked, a board (de)activated,
    added or deleted (`Board.credentials_at` is set on each). One aggregate query."""
    from boards.models import Board  # here: boards.models imports this module

    row = Board.objects.aggregate(n=Count("pk"), at=Max("credentials_at"))
    return (row["n"], row["at"])


@functools.lru_cache(maxsize=4)
def server_hash(password):
    """The server's hash, computed once per process and password: a new salt each time would
    rewrite the file (and reload the broker) at every sync."""
    return hash_password(password)


def broker_dir():
    return Path(settings.MQTT_BROKER_DIR)


def _write_atomic(path, text):
    """Replace `path` with `text` in one rename; readable by the broker's user only when it is
    ours (mode 0640), never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o640)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def write_files(directory=None, prefix=None):
    """Write `passwd` and `acl` in `directory` (MQTT_BROKER_DIR) from the database. Returns
    True when either changed (then the broker must reload)."""
    directory = Path(directory) if directory else broker_dir()
    prefix = prefix or settings.MQTT_PREFIX
    entries = [(SERVER_USERNAME, server_hash(server_password())), *board_entries()]
    changed = _write_atomic(directory / "passwd", passwd_text(entries))
    changed = _write_atomic(directory / "acl", acl_text(prefix)) or changed
    return changed


def reload_broker(pid_file=None):
    """SIGHUP to the broker whose pid is in `pid_file` (MQTT_BROKER_PID_FILE). Returns False,
    and changes nothing, when there is no such file or process (a broker elsewhere reloads by
    its own means: docs/architecture.md)."""
    pid_file = Path(pid_file or settings.MQTT_BROKER_PID_FILE or broker_dir() / "broker.pid")
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        return False
    return True


def mosquitto_config(directory, port, bind="127.0.0.1", run_as=None):
    """A Mosquitto 2.0 configuration for the project's own broker (`manage.py mqtt_config`,
    .ci/run, the tests): one listener, no anonymous clients, the two files above, its pid file
    beside them."""
    directory = Path(directory)
    user = f"user {run_as}\n" if run_as else ""
    return (
        "# Written by tincoso (manage.py mqtt_config).\n"
        f"{user}"
        "per_listener_settings false\n"
        f"pid_file {directory / 'broker.pid'}\n"
        "persistence false\n"
        f"log_dest file {directory / 'mosquitto.log'}\n"
        "log_type error\nlog_type warning\nlog_type notice\n"
        f"listener {int(port)} {bind}\n"
        "allow_anonymous false\n"
        f"password_file {directory / 'passwd'}\n"
        f"acl_file {directory / 'acl'}\n"
        "max_packet_size 65536\n"
    )
