"""Relay streams (tiếp sóng): is an address a live audio stream, and is it up?

    probe(url, timeout=6) -> StreamInfo           raises StreamProblem (Vietnamese message)

An Icecast/Shoutcast or plain HTTP stream (MP3, AAC) is opened and its first bytes decoded with
PyAV; an HLS playlist (.m3u8, RFC 8216) is read and its first media segment decoded. Only http
and https addresses are taken; what answers is read for at most `timeout` seconds and
MAX_BYTES bytes, so a slow or endless stream costs little."""

import io
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import av

MAX_BYTES = 96 * 1024
HLS_TYPES = ("application/vnd.apple.mpegurl", "application/x-mpegurl", "audio/mpegurl", "audio/x-mpegurl")
USER_AGENT = "tincoso-relay-check/1"


class StreamProblem(ValueError):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StreamInfo:
    kind: str  # "http" (Icecast or plain HTTP) | "hls"
    content_type: str
    codec: str
    sample_rate: int


def _open(url, timeout):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StreamProblem("Địa chỉ luồng phải bắt đầu bằng http:// hoặc https://.")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Icy-MetaData": "0"})
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise StreamProblem(f"Máy phát luồng trả lời lỗi {exc.code}: luồng không có hoặc đang ngừng phát.") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StreamProblem(
            f"Không kết nối được tới luồng ({reason}): máy phát đang tắt hoặc địa chỉ sai. Kiểm tra lại và thử sau."
        ) from None


def _read(response, limit=MAX_BYTES):
    data = bytearray()
    try:
        while len(data) < limit:
            block = response.read(min(16384, limit - len(data)))
            if not block:
                break
            data.extend(block)
    except (OSError, ValueError):
        pass  # a timeout mid-stream: judge what arrived
    finally:
        response.close()
    return bytes(data)


def _decode(data):
    """(codec, sample rate) of the first audio frames in `data`, or StreamProblem."""
    try:
        with av.open(io.BytesIO(data), "r") as container:
            streams = container.streams.audio
            if not streams:
                raise StreamProblem("Địa chỉ này không phải luồng âm thanh (không có kênh tiếng).")
            stream = streams[0]
            decoded = 0
            for _frame in container.decode(stream):
                decoded += 1
                if decoded >= 3:
                    break
            if not decoded:
                raise StreamProblem("Luồng không có âm thanh giải mã được.")
            return stream.codec_context.name, stream.codec_context.sample_rate or 0
    except StreamProblem:
        raise
    except (av.error.FFmpegError, ValueError):
        raise StreamProblem(
            "Địa chỉ này không phải luồng âm thanh (MP3, AAC hoặc HLS) hoặc luồng hỏng: "
            "hãy dùng địa chỉ nghe trực tiếp của đài, không phải trang web."
        ) from None


def _first_segment(playlist_url, text, timeout, depth=0):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or lines[0] != "#EXTM3U":
        raise StreamProblem("Danh sách HLS không hợp lệ (thiếu #EXTM3U).")
    uris = [line for line in lines if not line.startswith("#")]
    if not uris:
        raise StreamProblem("Danh sách HLS không có đoạn phát nào.")
    target = urllib.parse.urljoin(playlist_url, uris[0])
    if any(line.startswith("#EXT-X-STREAM-INF") for line in lines):  # a master playlist: its first variant
        if depth > 1:
            raise StreamProblem("Danh sách HLS lồng nhau quá sâu.")
        response = _open(target, timeout)
        return _first_segment(target, _read(response).decode("utf-8", "replace"), timeout, depth + 1)
    return target


def probe(url, timeout=6.0):
    """What the stream at `url` is, after opening it and decoding its first frames."""
    url = (url or "").strip()
    response = _open(url, timeout)
    content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type.startswith("text/html"):
        response.close()
        raise StreamProblem("Địa chỉ này là một trang web, không phải luồng âm thanh: hãy dùng địa chỉ nghe trực tiếp.")
    data = _read(response)
    if content_type in HLS_TYPES or url.split("?")[0].endswith(".m3u8") or data.startswith(b"#EXTM3U"):
        segment = _first_segment(url, data.decode("utf-8", "replace"), timeout)
        codec, rate = _decode(_read(_open(segment, timeout), 512 * 1024))
        return StreamInfo("hls", content_type, codec, rate)
    if not data:
        raise StreamProblem("Luồng không gửi dữ liệu nào: đài đang ngừng phát.")
    codec, rate = _decode(data)
    return StreamInfo("http", content_type, codec, rate)
