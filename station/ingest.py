"""The live ingest (`manage.py live_ingest`; README, "Live broadcasts"): one
asyncio process between the officials' browsers and the loudspeaker clusters.

    browser ──WebSocket: ticket, then WebM/Opus chunks (MediaRecorder, 100 ms)──▶ Ingest
    Ingest: PyAV decodes as the bytes come → mono → MP3 (libmp3lame, 64 kbit/s, 48 kHz)
        ├─▶ Icecast 2 (HTTP PUT /live-<programme>-<random>.mp3) ──▶ every cluster's player
        │   or, without Icecast (`make run`), its own HTTP listener port serves the clusters
        ├─▶ the recording (what the clusters were sent), kept as the programme at the end
        └─▶ `live` commands to the clusters through the real-time channel (boards/channel.py)

The WebSocket protocol (JSON text messages, audio as binary ones):

    browser → {"ticket": "…"}             first, within TICKET_WAIT_S (station/live.py)
    ingest  → {"type": "ready", "session", "title", "url"}   or {"type": "error", "message"}
    browser → binary WebM/Opus chunks …
    ingest  → {"type": "status", "elapsed", "received", "clusters": [{id, name, unit, state, label}]}  every second
    browser → {"type": "end"} (the official's "Kết thúc"), or {"type": "end", "reason": "mic"}
    ingest  → {"type": "ended", "programme", "title", "state", "message"}, then closes

The session ends on the browser's "end", on its connection closing (a tab closed, the network
gone: websockets' pings find a silent peer within PING_S + PING_TIMEOUT_S), or when no audio came
for NO_AUDIO_S (a microphone that died without the page noticing). Whatever ended it: the
players are told (`live_end`), the stream is closed (a player that missed the command stops
when the stream does), the recording becomes the programme in the broadcast log, with the
reason in Vietnamese. Nothing scheduled on the clusters is touched.

The embedded listener port is for a handful of players (`make run`): each listener is a queue
in this one process; a listener that falls LISTENER_QUEUE frames (~9 s) behind is dropped and
reconnects to "now". Production fans out through Icecast (README, "Live broadcasts").
"""

import asyncio
import contextlib
import http
import json
import logging
import queue
import ssl
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from core.http import parse_json
from station import icecast, live

log = logging.getLogger(__name__)

RATE = 48_000
BITRATE = 64_000
TICKET_WAIT_S = 10.0
NO_AUDIO_S = 8.0
STATUS_EVERY_S = 1.0
PING_S, PING_TIMEOUT_S = 5.0, 5.0
MAX_MESSAGE_BYTES = 1024 * 1024
LISTENER_QUEUE = 400  # MP3 frames (24 ms each at 48 kHz)
ICECAST_BUFFER_BYTES = 512 * 1024  # unsent to Icecast beyond this: Icecast is stuck, drop
NONCES_KEPT_S = live.TICKET_MAX_AGE_S + 5


class Pipe:
    """The WebM bytes as they arrive, read by PyAV in the transcoder's thread: read() waits
    for data, returns b"" once closed and drained."""

    def __init__(self):
        self.queue = queue.Queue()
        self.buffer = b""
        self.closed = False

    def feed(self, data):
        self.queue.put(bytes(data))

    def close(self):
        self.queue.put(None)

    def read(self, size=-1):
        while not self.buffer and not self.closed:
            data = self.queue.get()
            if data is None:
                self.closed = True
                break
            self.buffer += data
        if size is None or size < 0:
            size = len(self.buffer)
        out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out


class Transcoder(threading.Thread):
    """WebM/Opus in (Pipe), MP3 frames out (`emit(bytes)`, called on this thread) and into
    the recording. `error`: why it stopped early, in Vietnamese, or None."""

    def __init__(self, emit, recording, bitrate=BITRATE):
        super().__init__(name="live-transcoder", daemon=True)
        self.pipe = Pipe()
        self.emit = emit
        self.recording = Path(recording)
        self.bitrate = bitrate
        self.error = None
        self.seconds = 0.0
        self.peak = 0.0

    def feed(self, data):
        self.pipe.feed(data)

    def close(self):
        self.pipe.close()

    def run(self):
        import av

        self.recording.parent.mkdir(parents=True, exist_ok=True)
        with open(self.recording, "wb") as out:
            try:
                container = av.open(
                    self.pipe,
                    mode="r",
                    format="matroska",
                    options={"probesize": "32", "analyzeduration": "0", "fflags": "nobuffer"},
                )
            except (av.error.FFmpegError, ValueError, OSError) as exc:
                if self.pipe.closed and not self.pipe.buffer:
                    return  # nothing came at all
                self.error = f"Âm thanh gửi lên không đọc được (cần WebM/Opus từ trình duyệt): {exc}"
                self._drain()
                return
            try:
                if not container.streams.audio:
                    self.error = "Dữ liệu gửi lên không có âm thanh."
                    self._drain()
                    return
                stream = container.streams.audio[0]
                resampler = av.AudioResampler(format="fltp", layout="mono", rate=RATE)
                encoder = av.CodecContext.create("libmp3lame", "w")
                encoder.sample_rate = RATE
                encoder.layout = "mono"
                encoder.format = "fltp"
                encoder.bit_rate = self.bitrate
                encoder.open()

                def send(frames):
                    for frame in frames:
                        for packet in encoder.encode(frame):
                            data = bytes(packet)
                            out.write(data)
                            self.emit(data)

                for packet in container.demux(stream):
                    try:
                        frames = packet.decode()
                    except av.error.FFmpegError:
                        continue  # one damaged packet: the next decodes
                    for frame in frames:
                        self.seconds += frame.samples / (frame.sample_rate or RATE)
                        frame.pts = None
                        send(resampler.resample(frame))
                send(resampler.resample(None))
                send([None])
            except av.error.FFmpegError as exc:
                self.error = f"Âm thanh gửi lên bị hỏng giữa chừng: {exc}"
                self._drain()
            finally:
                container.close()

    def _drain(self):
        """Read to the end, so the event loop's feeds never pile up."""
        while self.pipe.read(65536):
            pass


class Listener:
    def __init__(self, writer):
        self.writer = writer
        self.queue = asyncio.Queue(maxsize=LISTENER_QUEUE)


class Mount:
    """A stream served by the ingest itself (no Icecast): every listener gets every frame."""

    def __init__(self, path):
        self.path = path
        self.listeners = set()
        self.closed = False

    async def open(self):
        return self

    def send(self, data):
        for listener in list(self.listeners):
            try:
                listener.queue.put_nowait(data)
            except asyncio.QueueFull:
                log.info("phát trực tiếp %s: một cụm loa nhận chậm, ngắt để nó nối lại", self.path)
                self.listeners.discard(listener)
                listener.writer.close()

    async def close(self):
        self.closed = True
        for listener in list(self.listeners):
            with contextlib.suppress(asyncio.QueueFull):
                listener.queue.put_nowait(None)


class IcecastError(Exception):
    pass


class IcecastSource:
    """The session's stream sent to Icecast 2 as a source (HTTP PUT, Icecast ≥ 2.4), joined
    again if the connection drops mid-session (what comes meanwhile is lost)."""

    def __init__(self, source, mount, name=""):
        self.source = source
        self.mount = mount
        self.name = name
        self.writer = None
        self.reconnecting = None
        self.closed = False
        self.dropped = 0

    async def open(self):
        context = ssl.create_default_context() if self.source.tls else None
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.source.host, self.source.port, ssl=context), 5
            )
        except (OSError, TimeoutError) as exc:
            raise IcecastError(f"không kết nối được {self.source.host}:{self.source.port} ({exc})") from None
        request = (
            f"PUT {self.mount} HTTP/1.1\r\n"
            f"Host: {self.source.host}:{self.source.port}\r\n"
            f"Authorization: {self.source.authorization()}\r\n"
            "User-Agent: tincoso-live-ingest\r\n"
            "Content-Type: audio/mpeg\r\n"
            "Ice-Public: 0\r\n"
            f"Ice-Audio-Info: samplerate={RATE};channels=1;bitrate={BITRATE // 1000}\r\n"
            "Expect: 100-continue\r\n\r\n"
        )
        writer.write(request.encode("latin-1"))
        try:
            line = await asyncio.wait_for(reader.readline(), 5)
        except (OSError, TimeoutError) as exc:
            writer.close()
            raise IcecastError(f"Icecast không trả lời ({exc})") from None
        parts = line.decode("latin-1", "replace").split(" ", 2)
        code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        if code not in (100, 200):
            writer.close()
            reason = {401: "sai mật khẩu nguồn", 403: "điểm phát đang bận hoặc bị cấm"}.get(code, "")
            raise IcecastError(f"Icecast từ chối nguồn: HTTP {code or '?'} {reason}".strip())
        self.writer = writer
        self._reader = reader
        return self

    def send(self, data):
        writer = self.writer
        if writer is None or writer.is_closing():
            self.dropped += len(data)
            self._reconnect()
            return
        if writer.transport.get_write_buffer_size() > ICECAST_BUFFER_BYTES:
            self.dropped += len(data)
            return
        writer.write(data)

    def _reconnect(self):
        if self.closed or (self.reconnecting is not None and not self.reconnecting.done()):
            return

        async def again():
            while not self.closed:
                try:
                    await self.open()
                    log.info("phát trực tiếp %s: nối lại Icecast", self.mount)
                    return
                except IcecastError as exc:
                    log.warning("phát trực tiếp %s: %s; thử lại", self.mount, exc)
                    await asyncio.sleep(1)

        self.reconnecting = asyncio.ensure_future(again())

    async def close(self):
        self.closed = True
        if self.reconnecting is not None:
            self.reconnecting.cancel()
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await self.writer.wait_closed()


class Ingest:
    """`icecast_url`: STATION_ICECAST_URL (empty: serve listeners on `listen_port`);
    `public_url`: where the players reach the streams (default: Icecast's address, or this
    process's listener port). `call(function, *args)`: how database work runs (default in a
    thread; the tests run it inline, inside their transaction)."""

    def __init__(self, *, icecast_url="", public_url="", listen_port=None, recordings=None, bitrate=BITRATE, call=None):
        self.call = call or asyncio.to_thread  # database work, off the event loop
        self.source = icecast.source_address(icecast_url) if icecast_url else None
        self.listen_port = listen_port
        self.public_url = public_url.rstrip("/")
        self.recordings = Path(recordings or "live-recordings")
        self.bitrate = bitrate
        self.mounts = {}
        self.nonces = {}
        self.sessions = 0
        self.servers = []

    def default_public_url(self, bind):
        if self.source is not None:
            scheme = "https" if self.source.tls else "http"
            return f"{scheme}://{self.source.host}:{self.source.port}"
        host = "127.0.0.1" if bind in ("", "0.0.0.0", "::") else bind
        return f"http://{host}:{self.listen_port}"

    async def start(self, bind, port):
        self.servers.append(
            await serve(
                self.handler,
                bind,
                port,
                max_size=MAX_MESSAGE_BYTES,
                ping_interval=PING_S,
                ping_timeout=PING_TIMEOUT_S,
                compression=None,
                process_request=self.health,
            )
        )
        if self.source is None:
            self.servers.append(await asyncio.start_server(self.listen, bind, self.listen_port))
        if not self.public_url:
            self.public_url = self.default_public_url(bind)
        return self

    async def close(self):
        for server in self.servers:
            server.close()
        for server in self.servers:
            with contextlib.suppress(Exception):
                await server.wait_closed()

    def health(self, connection, request):
        """A plain GET on the WebSocket port (monitoring, tests): 200 and what is on air."""
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return None
        return connection.respond(http.HTTPStatus.OK, f"tincoso live ingest: {self.sessions} buổi đang phát\n")

    # --- the listeners' side (no Icecast) -------------------------------------------------------

    async def listen(self, reader, writer):
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
            writer.close()
            return
        parts = head.split(b"\r\n", 1)[0].decode("latin-1", "replace").split(" ")
        path = urlsplit(parts[1]).path if len(parts) >= 2 else ""
        mount = self.mounts.get(path) if parts[0] in ("GET", "HEAD") else None
        if mount is None or mount.closed:
            writer.write(b"HTTP/1.0 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
            writer.write("Không có buổi phát trực tiếp này.\n".encode())
            writer.close()
            return
        writer.write(
            b"HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\nCache-Control: no-cache, no-store\r\n"
            b"Access-Control-Allow-Origin: *\r\n\r\n"
        )
        if parts[0] == "HEAD":
            writer.close()
            return
        listener = Listener(writer)
        mount.listeners.add(listener)
        try:
            while True:
                data = await listener.queue.get()
                if data is None:
                    break
                writer.write(data)
                await writer.drain()
        except (OSError, ConnectionError):
            pass
        finally:
            mount.listeners.discard(listener)
            writer.close()

    # --- the browsers' side -----------------------------------------------------------------------

    def _use_nonce(self, nonce):
        now = time.monotonic()
        for old, at in list(self.nonces.items()):
            if now - at > NONCES_KEPT_S:
                del self.nonces[old]
        if nonce in self.nonces:
            raise live.LiveRefused("Vé phát trực tiếp này đã được dùng: bấm “Bắt đầu phát” lại.", 401, "ticket_used")
        self.nonces[nonce] = now

    async def _send(self, ws, body):
        with contextlib.suppress(ConnectionClosed):
            await ws.send(json.dumps(body, ensure_ascii=False))

    async def refuse(self, ws, message, code="refused"):
        await self._send(ws, {"type": "error", "code": code, "message": message})
        with contextlib.suppress(ConnectionClosed):
            await ws.close(4000, code[:100])

    async def handler(self, ws):
        try:
            first = await asyncio.wait_for(ws.recv(), TICKET_WAIT_S)
        except TimeoutError:
            await self.refuse(ws, "Không nhận được vé phát trực tiếp.", "no_ticket")
            return
        except ConnectionClosed:
            return
        try:
            data = parse_json(first) if isinstance(first, str) else {}  # core/http.py: depth and text checked
            ticket = live.read_ticket(data.get("ticket") if isinstance(data, dict) else None)
            self._use_nonce(ticket["nonce"])
            session = await self.call(live.open_session, ticket)
        except ValueError:
            await self.refuse(ws, "Tin đầu tiên phải là vé phát trực tiếp (JSON).", "bad_message")
            return
        except live.LiveRefused as exc:
            await self.refuse(ws, exc.message, exc.code)
            return
        self.sessions += 1
        try:
            await Broadcast(self, ws, session).run()
        finally:
            self.sessions -= 1


class Broadcast:
    """One session, from its ready to its programme."""

    def __init__(self, ingest, ws, session):
        self.ingest = ingest
        self.ws = ws
        self.session = session
        self.recording = ingest.recordings / f"{session.programme_id}.mp3"
        self.received = 0
        self.started = time.monotonic()

    async def output(self):
        if self.ingest.source is not None:
            return await IcecastSource(self.ingest.source, self.session.mount).open()
        mount = Mount(self.session.mount)
        self.ingest.mounts[mount.path] = mount
        return mount

    async def run(self):
        session, ws = self.session, self.ws
        loop = asyncio.get_running_loop()
        try:
            out = await self.output()
        except IcecastError as exc:
            await self.ingest.call(live.finish, session, None)
            await self.ingest.refuse(ws, f"Không phát được qua máy chủ luồng Icecast: {exc}", "icecast")
            return
        url = self.ingest.public_url + session.mount
        transcoder = Transcoder(
            lambda data: loop.call_soon_threadsafe(out.send, data), self.recording, self.ingest.bitrate
        )
        transcoder.start()
        log.info("phát trực tiếp %s: %s → %s", session.id, session.title, url)
        await self.ingest._send(ws, {"type": "ready", "session": session.id, "title": session.title, "url": url})
        status = asyncio.ensure_future(self.report(ws))
        reason = ""
        try:
            await self.ingest.call(live.tune_in, session, url)
            while True:
                try:
                    message = await asyncio.wait_for(ws.recv(), NO_AUDIO_S)
                except TimeoutError:
                    reason = f"Không nhận được âm thanh từ trình duyệt quá {NO_AUDIO_S:g} giây: buổi phát đã dừng."
                    break
                if isinstance(message, bytes):
                    self.received += len(message)
                    transcoder.feed(message)
                elif (asked := _is_end(message)) is not None:
                    if asked == "mic":
                        reason = "Micrô bị ngắt giữa buổi phát: buổi phát đã dừng, phần đã phát được lưu."
                    break
                if transcoder.error:
                    reason = transcoder.error
                    break
        except ConnectionClosed:
            reason = "Trình duyệt mất kết nối giữa buổi phát (đóng trang, mất mạng hoặc micrô): buổi phát đã dừng."
        finally:
            status.cancel()
            transcoder.close()
            await asyncio.to_thread(transcoder.join, 30)
            await out.close()
            self.ingest.mounts.pop(session.mount, None)
            reason = reason or transcoder.error or ""
            programme = None
            try:
                await self.ingest.call(live.tune_out, session)
                programme = await self.ingest.call(live.finish, session, self.recording, reason)
                self.recording.unlink(missing_ok=True)
            except Exception:  # the recording stays in its folder; the browser is told all the same
                log.exception("phát trực tiếp %s: không lưu được bản ghi %s", session.id, self.recording)
                reason = (reason + " " if reason else "") + "Chưa lưu được bản ghi: báo quản trị hệ thống."
            log.info("phát trực tiếp %s: kết thúc sau %.0f s. %s", session.id, time.monotonic() - self.started, reason)
            await self.ingest._send(
                ws,
                {
                    "type": "ended",
                    "programme": programme.pk if programme is not None else None,
                    "title": programme.title if programme is not None else session.title,
                    "state": programme.state if programme is not None else "",
                    "seconds": round(transcoder.seconds, 1),
                    "message": reason,
                },
            )
            with contextlib.suppress(ConnectionClosed):
                await ws.close()

    async def report(self, ws):
        while True:
            try:
                clusters = await self.ingest.call(live.cluster_states, self.session)
            except Exception:  # the database busy a moment: the next report says it
                log.exception("phát trực tiếp %s: không đọc được trạng thái cụm loa", self.session.id)
                clusters = None
            body = {
                "type": "status",
                "elapsed": round(time.monotonic() - self.started, 1),
                "received": self.received,
            }
            if clusters is not None:
                body["clusters"] = clusters
            await self.ingest._send(ws, body)
            await asyncio.sleep(STATUS_EVERY_S)


def _is_end(message):
    """What a text message asks: "end", "mic" (the end, the microphone having dropped), or None."""
    try:
        data = parse_json(message)
    except ValueError:  # BadRequestData included: not JSON, too deep, NUL or a lone surrogate
        return None
    if isinstance(data, dict) and data.get("type") == "end":
        return "mic" if data.get("reason") == "mic" else "end"
    return None


def run(bind, port, **options):
    """The ingest until interrupted (the management command)."""

    async def main():
        ingest = await Ingest(**options).start(bind, port)
        log.info("live ingest: ws://%s:%s/, luồng cho cụm loa ở %s", bind, port, ingest.public_url)
        try:
            await asyncio.Future()
        finally:
            await ingest.close()

    asyncio.run(main())
