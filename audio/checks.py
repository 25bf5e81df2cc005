"""Is this upload a programme the loudspeakers can play? Checked by content, never by its name.

    inspect(path, *, max_bytes=MAX_BYTES, max_seconds=MAX_SECONDS) -> AudioInfo
        or raises AudioRejected with the reason in Vietnamese (errors.py)

One pass over the file, in order: empty; over max_bytes; not openable as audio (through the
demuxer whitelist of decoding.py: a text file or a PDF renamed .mp3); no audio stream (a
picture renamed: "đây là ảnh, không phải âm thanh"; a video without sound); the container
claims more than max_seconds; then the audio stream is decoded frame by frame, downmixed to
mono and measured by libavfilter's ebur128 as it goes: more than MAX_BAD_PACKETS packets that
fail to decode → corrupt; decoded < TRUNCATED_RATIO of the duration the container declares →
cut short ("bị cắt/hỏng"); the demuxer failing mid-file → broken; decoded beyond max_seconds →
too long (decoding stops there); shorter than MIN_SECONDS; integrated loudness of the mono
downmix at BS.1770's −70 LUFS absolute gate (nothing louder) → silent.

A video with a sound track is accepted: its audio is the programme. Formats other than the
five tested ones (MP3, M4A/AAC, WAV, Ogg Vorbis, Opus in Ogg or WebM) pass when their
demuxer is on the whitelist and their audio decodes: phones also record FLAC, AMR or 3GP.

The duration is counted by decoding (encoder padding dropped as the decoders do), not taken
from the container. The declared duration is used only to notice a file cut short, and only
where the container states it in a header (DECLARED_FORMATS; WAV, read from its RIFF header,
as FFmpeg clamps it to the file's size; MP3s with a Xing, Info or VBRI header): an MP3
without one has a duration FFmpeg estimates from the first frames' bitrate, wrong by tens of
percent on a variable-bitrate file, and cut proportionally with the file anyway.
"""

import os
from dataclasses import dataclass

import av

from audio.decoding import MAX_BAD_PACKETS, DecodeStats, FilterChain, audio_stream, decode, lufs, open_input
from audio.errors import duration_vi, rejected, size_vi

MAX_BYTES = 200 * 1024 * 1024
MAX_SECONDS = 3 * 3600
MIN_SECONDS = 1.0
TRUNCATED_RATIO = 0.95
DECLARED_FORMATS = ("mov", "w64", "flac", "ogg", "matroska", "caf", "aiff")


@dataclass(frozen=True)
class AudioInfo:
    """An accepted upload. duration_s: decoded; codec: FFmpeg's codec name ('mp3', 'aac',
    'pcm_s16le', 'vorbis', 'opus'); sample_rate and channels of the stream as recorded;
    format_name: FFmpeg's demuxer ('mp3', 'mov,mp4,m4a,3gp,3g2,mj2', 'wav', 'ogg',
    'matroska,webm'); bytes: the file's size; loudness_lufs: integrated loudness (EBU R128) of
    its mono downmix, what normalise() starts from (pass it on as input_lufs)."""

    duration_s: float
    codec: str
    sample_rate: int
    channels: int
    format_name: str
    bytes: int
    loudness_lufs: float


def inspect(path, *, max_bytes: int = MAX_BYTES, max_seconds: float = MAX_SECONDS) -> AudioInfo:
    """Check an uploaded file by its content; AudioInfo, or AudioRejected (.message in
    Vietnamese for the editor, .code a slug)."""
    size = os.path.getsize(path)
    if size == 0:
        raise rejected("empty")
    if size > max_bytes:
        raise rejected("too_big", size=size_vi(size), limit=size_vi(max_bytes))
    try:
        container = open_input(path)
    except av.FFmpegError:
        raise rejected("not_audio")
    with container:
        stream = audio_stream(container)
        declared = declared_seconds(container, stream, path)
        if declared is not None and declared > max_seconds / TRUNCATED_RATIO:
            raise rejected("too_long", duration=duration_vi(declared), limit=duration_vi(max_seconds))
        stats = DecodeStats()
        chain = None
        for frame in decode(container, stream, stats, layout="mono"):
            if chain is None:
                chain = FilterChain(frame.sample_rate, "mono", [("ebur128", "metadata=1")])
            chain.push(frame)
            if stats.seconds > max_seconds:
                raise rejected("too_long", duration=f"hơn {duration_vi(max_seconds)}", limit=duration_vi(max_seconds))
        if chain is not None:
            chain.push(None)
        codec = stream.codec_context
        info = AudioInfo(
            duration_s=stats.seconds,
            codec=codec.codec.canonical_name,
            sample_rate=codec.sample_rate,
            channels=codec.channels,
            format_name=container.format.name,
            bytes=size,
            loudness_lufs=lufs(chain.metadata if chain else {}),
        )
    if stats.bad_packets > MAX_BAD_PACKETS:
        raise rejected("corrupt", bad=f"hơn {MAX_BAD_PACKETS}")
    if stats.seconds == 0:
        raise rejected("not_audio")
    if declared and stats.seconds < TRUNCATED_RATIO * declared:
        raise rejected("truncated", decoded=duration_vi(stats.seconds), declared=duration_vi(declared))
    if stats.stopped:
        raise rejected("broken", decoded=duration_vi(stats.seconds))
    if stats.seconds < MIN_SECONDS:
        raise rejected("too_short", duration=duration_vi(stats.seconds), limit=duration_vi(MIN_SECONDS))
    if info.loudness_lufs == float("-inf"):
        raise rejected("silent")
    return info


def declared_seconds(container, stream, path) -> float | None:
    """The duration the container states in a header for this stream, or None: not stated,
    only estimated (see the module's docstring), or the whole file's with other streams in it."""
    name = container.format.name
    if name == "wav":
        return wav_declared_seconds(path)
    if not (any(n in DECLARED_FORMATS for n in name.split(",")) or (name == "mp3" and mp3_declares_length(path))):
        return None
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration and len(container.streams) == 1:
        return container.duration / av.time_base
    return None


def mp3_declares_length(path) -> bool:
    """Whether an MP3's first frame is a Xing, Info (LAME) or VBRI header, which states the
    number of frames; skips an ID3v2 tag first."""
    with open(path, "rb") as fh:
        head = fh.read(10)
        offset = 0
        if len(head) == 10 and head[:3] == b"ID3":
            size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | head[9] & 0x7F
            offset = 10 + size + (10 if head[5] & 0x10 else 0)
        fh.seek(offset)
        block = fh.read(4096)
    for i in range(len(block) - 1):
        if block[i] == 0xFF and block[i + 1] & 0xE0 == 0xE0:  # frame sync
            header = block[i + 4 : i + 48]  # Xing/Info after the side information, VBRI at 32
            return any(tag in header for tag in (b"Xing", b"Info", b"VBRI"))
    return False


def wav_declared_seconds(path) -> float | None:
    """A RIFF WAVE header's own figure: the data chunk's size over the fmt chunk's byte rate.
    (FFmpeg clamps the data size to the file's, which would hide a file cut short.) None for a
    size left at 0 or 0xFFFFFFFF by a recorder that never finished, or an odd header."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:] != b"WAVE":
            return None
        byte_rate = 0
        for _ in range(64):  # chunks before "data": fmt, LIST, fact, bext…
            chunk = fh.read(8)
            if len(chunk) < 8:
                return None
            kind, size = chunk[:4], int.from_bytes(chunk[4:], "little")
            if kind == b"data":
                return size / byte_rate if byte_rate and size not in (0, 0xFFFFFFFF) else None
            if kind == b"fmt ":
                body = fh.read(size + (size & 1))
                byte_rate = int.from_bytes(body[8:12], "little") if len(body) >= 12 else 0
            else:
                fh.seek(size + (size & 1), 1)
    return None
