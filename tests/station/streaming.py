"""A local HTTP audio stream, as an Icecast mount serves one: endless MP3 at about real time
(`/live.mp3`), one that drops after a second (`/drops.mp3`), an HTML page and a text file. For
relays (tiếp sóng) without the Internet."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.station.sounds import programme


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        server = self.server
        server.requests.append(self.path)
        if self.path == "/page":
            self._send(b"<!doctype html><title>Radio</title><p>Nghe radio</p>", "text/html; charset=utf-8")
        elif self.path == "/text.mp3":
            self._send("Không phải âm thanh.\n".encode() * 400, "audio/mpeg")
        elif self.path in ("/live.mp3", "/drops.mp3"):
            if server.down:
                self.send_error(503)
                return
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.send_header("icy-name", "Dai phat thanh tinh")
            self.end_headers()
            started = time.monotonic()
            data, position = server.mp3, 0
            per_second = 16000  # 128 kbit/s
            try:
                while not server.closing.is_set():
                    if self.path == "/drops.mp3" and time.monotonic() - started > 1.0:
                        return  # the stream drops: the player must reconnect
                    chunk = data[position : position + 4000]
                    position = (position + 4000) % len(data)
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    time.sleep(4000 / per_second / 2)  # twice real time: fast enough, never idle
            except (BrokenPipeError, ConnectionResetError):
                return
        else:
            self.send_error(404)

    def _send(self, body, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class StreamServer:
    def __init__(self, tmp_path):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.requests = []
        self.server.down = False
        self.server.closing = threading.Event()
        self.server.mp3 = programme(tmp_path / "stream-source.mp3", seconds=6, level_db=-20).read_bytes()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.closing.set()
        self.server.shutdown()
        self.server.server_close()

    def url(self, path="/live.mp3"):
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    @property
    def requests(self):
        return self.server.requests

    def go_down(self, down=True):
        self.server.down = down
