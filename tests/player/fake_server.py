"""A small, protocol-faithful stand-in for the boards API (docs/architecture.md "Player protocol v1"),
on loopback, in a thread. It serves only until the real server (boards/api.py) is done.

- ``GET /api/boards/v1/<board>/playlist.json``: bearer token check (401 + WWW-Authenticate),
  ``ETag`` + ``Last-Modified``, ``304`` on a matching ``If-None-Match``/``If-Modified-Since``.
- media under ``/media/boards/<2 hex>/<sha256>.<ext>``: public, ``Cache-Control: immutable``,
  ``Accept-Ranges: bytes``, ``Range: bytes=N-`` → ``206`` with ``Content-Range``.
- ``POST …/heartbeat`` and ``POST …/plays`` (idempotent per board+item+start time), recorded.
- ``POST …/screenshot``: multipart/form-data, field ``screenshot``, a PNG or JPEG ≤ 1 MiB (checked
  by content, as boards/api.py does), recorded in ``screenshots``.
- ``GET /api/boards/v1/me``: the token's board and the channel.
- ``channel``: the real-time channel's ``{"url", "username", "prefix", "keepalive"}`` or None,
  served in every playlist.json and in ``me``; ``set_channel()`` changes it (a new ETag).
- switches: ``mode`` = "ok" | "500" | "garbage" | "down" (connection closed, no answer);
  ``corrupt_once`` / ``drop_once``: sets of sha256 served corrupted / cut mid-file once.
"""

from __future__ import annotations

import hashlib
import io
import json
import socket
import threading
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API = "/api/boards/v1/"
SCREENSHOT_MAX_BYTES = 1024 * 1024


def channel_info(broker_url, board="7", prefix="tincoso", keepalive=10):
    """What the server says about its real-time channel (boards.channel.channel_info)."""
    return {"url": broker_url, "username": str(board), "prefix": prefix, "keepalive": keepalive}


def screenshot_upload(content_type, raw):
    """The bytes of the ``screenshot`` field of a multipart/form-data body, or None."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + raw
    )
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "screenshot":
            return part.get_payload(decode=True)
    return None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FakeBoardsServer:
    def __init__(self, board="7", token="secret-token", channel=None):
        self.board = str(board)
        self.token = token
        self.channel = channel
        self.screenshots = []  # {"data", "format", "size"}
        self.mode = "ok"
        self.files = {}  # sha → bytes
        self.playlist = None
        self.etag = None
        self.last_modified = None
        self.corrupt_once = set()
        self.drop_once = set()
        self.requests = []  # (method, path, headers dict)
        self.heartbeats = []
        self.plays = []
        self._play_keys = set()
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    # content -------------------------------------------------------------------------
    def add_file(self, data: bytes, ext="png") -> dict:
        digest = sha256(data)
        self.files[digest] = data
        return {"sha256": digest, "bytes": len(data), "url": f"/media/boards/{digest[:2]}/{digest}.{ext}"}

    def publish(self, version, items, refresh_seconds=300, jitter_seconds=30, **extra):
        """``extra``: more top-level keys (a loudspeaker cluster's ``board``, ``broadcast_times``,
        a ``power`` schedule …)."""
        body = {
            "version": version,
            "generated_at": datetime.now(UTC).isoformat(),
            "refresh_seconds": refresh_seconds,
            "jitter_seconds": jitter_seconds,
            "items": items,
            "video": None,
            "channel": self.channel,
            **extra,
        }
        with self.lock:
            self.playlist = body
            self.etag = '"' + sha256(json.dumps(body, sort_keys=True).encode())[:32] + '"'
            self.last_modified = datetime.now(UTC).replace(microsecond=0)
        return body

    def set_channel(self, channel):
        """Change (or, with None, withdraw) the channel; the playlist held is served again
        with it, under a new ETag, as the real server's next build would."""
        with self.lock:
            self.channel = channel
            playlist = self.playlist
        if playlist is not None:
            extra = {k: v for k, v in playlist.items() if k not in ("generated_at", "channel")}
            self.publish(**extra)

    def seen(self, method=None, path_prefix=""):
        return [r for r in self.requests if (method is None or r[0] == method) and r[1].startswith(path_prefix)]

    # handler -------------------------------------------------------------------------
    def _handler(fake):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _record(self):
                with fake.lock:
                    fake.requests.append((self.command, self.path, {k: v for k, v in self.headers.items()}))

            def _down(self):
                if fake.mode == "down":
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return True
                return False

            def _send(self, status, body=b"", headers=None, content_type="application/json"):
                self.send_response(status)
                if body or status not in (304,):
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                if body and self.command != "HEAD":
                    self.wfile.write(body)

            def _board_path(self):
                if not self.path.startswith(API):
                    return None, None
                board, _, rest = self.path[len(API) :].partition("/")
                return board, rest.split("?", 1)[0]

            def _authorized(self, board):
                if board != fake.board or self.headers.get("Authorization") != f"Bearer {fake.token}":
                    self._send(401, b'{"error": "invalid token"}', {"WWW-Authenticate": 'Bearer realm="boards"'})
                    return False
                return True

            def do_GET(self):
                self._record()
                if self._down():
                    return
                if self.path.startswith("/media/boards/"):
                    return self._media()
                if self.path.split("?", 1)[0] == API + "me":
                    return self._me()
                board, rest = self._board_path()
                if rest != "playlist.json":
                    return self._send(404, b'{"error": "not found"}')
                if not self._authorized(board):
                    return
                if fake.mode == "500":
                    return self._send(500, b"Internal Server Error", content_type="text/plain")
                if fake.mode == "garbage":
                    return self._send(200, b'{"version": 9, "items": [{"id": "x", "kind": 3', {"ETag": '"garbage"'})
                with fake.lock:
                    playlist, etag, modified = fake.playlist, fake.etag, fake.last_modified
                if playlist is None:
                    return self._send(404, b'{"error": "no playlist"}')
                headers = {
                    "ETag": etag,
                    "Last-Modified": format_datetime(modified, usegmt=True),
                    "Cache-Control": "no-cache",
                }
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                if inm is not None:
                    if etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*":
                        return self._send(304, headers=headers)
                elif ims:
                    try:
                        if parsedate_to_datetime(ims) >= modified:
                            return self._send(304, headers=headers)
                    except (TypeError, ValueError):
                        pass
                self._send(200, json.dumps(playlist, ensure_ascii=False).encode(), headers)

            def _me(self):
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    return self._send(401, b'{"error": "invalid token"}', {"WWW-Authenticate": 'Bearer realm="boards"'})
                body = {"board": int(fake.board), "name": f"Bảng {fake.board}", "channel": fake.channel}
                self._send(200, json.dumps(body, ensure_ascii=False).encode())

            def _screenshot(self, raw):
                def refuse(status, code, message):
                    body = {"error": {"code": code, "message": message}}
                    self._send(status, json.dumps(body, ensure_ascii=False).encode())

                data = screenshot_upload(self.headers.get("Content-Type", ""), raw)
                if data is None:
                    return refuse(400, "missing_file", "Thiếu tệp “screenshot” (multipart/form-data).")
                if len(data) > SCREENSHOT_MAX_BYTES:
                    return refuse(400, "too_large", "Ảnh chụp màn hình quá lớn (tối đa 1 MiB).")
                from PIL import Image  # the tests have Pillow; the player may not

                try:
                    with Image.open(io.BytesIO(data)) as image:
                        kind, size = image.format, image.size
                        image.verify()
                except Exception:  # noqa: BLE001 - anything Pillow cannot read is refused
                    kind = None
                if kind not in ("PNG", "JPEG"):
                    return refuse(400, "bad_image", "Ảnh chụp màn hình phải là PNG hoặc JPEG.")
                with fake.lock:
                    fake.screenshots.append({"data": data, "format": kind, "size": size})
                self._send(200, json.dumps({"ok": True, "width": size[0], "height": size[1]}).encode())

            def _media(self):
                name = self.path.rsplit("/", 1)[-1].split(".", 1)[0]
                data = fake.files.get(name)
                if data is None:
                    return self._send(404, b"not found", content_type="text/plain")
                if name in fake.corrupt_once:
                    fake.corrupt_once.discard(name)
                    data = bytes([data[0] ^ 0xFF]) + data[1:]
                headers = {
                    "Cache-Control": "public, max-age=31536000, immutable",
                    "Accept-Ranges": "bytes",
                    "ETag": f'"{name}"',
                }
                status, start = 200, 0
                spec = self.headers.get("Range")
                if spec and spec.startswith("bytes=") and spec[6:].endswith("-") and spec[6:-1].isdigit():
                    start = int(spec[6:-1])
                    if start >= len(data):
                        return self._send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
                    status = 206
                    headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
                body = data[start:]
                if name in fake.drop_once:  # promise everything, send half, hang up
                    fake.drop_once.discard(name)
                    self.send_response(status)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(len(body)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._send(status, body, headers, content_type="application/octet-stream")

            def do_POST(self):
                self._record()
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self._down():
                    return
                board, rest = self._board_path()
                if rest not in ("heartbeat", "plays", "screenshot"):
                    return self._send(404, b'{"error": "not found"}')
                if not self._authorized(board):
                    return
                if fake.mode == "500":
                    return self._send(500, b"Internal Server Error", content_type="text/plain")
                if rest == "screenshot":
                    return self._screenshot(raw)
                try:
                    body = json.loads(raw)
                except ValueError:
                    return self._send(400, b'{"error": "bad json"}')
                with fake.lock:
                    if rest == "heartbeat":
                        fake.heartbeats.append(body)
                    else:
                        if not isinstance(body, list):
                            return self._send(400, b'{"error": "expected a list"}')
                        for play in body:
                            key = (board, play["item_id"], play["started_at"])
                            if key not in fake._play_keys:
                                fake._play_keys.add(key)
                                fake.plays.append(play)
                self._send(200, b'{"ok": true}')

        return Handler
