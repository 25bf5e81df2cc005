"""Reading an untrusted upload with PyAV, frame by frame, and libavfilter chains.

    open_input(path) -> InputContainer        only the demuxers in ALLOWED_FORMATS, local file only
    audio_stream(container) -> AudioStream    the best audio stream, or AudioRejected saying why not
    decode(container, stream, stats, layout=None) -> iterator of float frames, one layout and rate
    FilterChain(rate, layout, filters)        abuffer → filters → abuffersink; push(frame) -> frames
    lufs(metadata) -> float                   ebur128's integrated loudness, −inf for silence

Nothing here holds more than a few frames: a three-hour programme streams through.

Why a whitelist of demuxers: FFmpeg guesses a format from the content, and a few of its
demuxers read other files or URLs named inside the upload (a text file beginning "ffconcat
version 1.0" renamed .mp3 opens, unchecked, as the concat demuxer and plays whatever local file
it names; HLS and DASH playlists likewise). `format_whitelist` refuses any demuxer not listed
after the guess and before it reads anything; `protocol_whitelist=file` keeps a listed one on
local files. The list: the accepted audio formats, common phone and camera containers (their
sound track is used) and the picture demuxers, so that a photo is recognised as one.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction

import av

from audio.errors import rejected

AUDIO_FORMATS = ("mp3", "mov", "wav", "w64", "ogg", "matroska", "aac", "flac", "amr", "caf", "aiff", "asf")
VIDEO_FORMATS = ("avi", "flv", "mpeg", "mpegts")
PICTURE_FORMATS = (
    "image2",
    "png_pipe",
    "jpeg_pipe",
    "webp_pipe",
    "gif",
    "gif_pipe",
    "bmp_pipe",
    "tiff_pipe",
    "jpegxl_pipe",
    "qoi_pipe",
    "svg_pipe",
)
ALLOWED_FORMATS = AUDIO_FORMATS + VIDEO_FORMATS + PICTURE_FORMATS
OPEN_OPTIONS = {"format_whitelist": ",".join(ALLOWED_FORMATS), "protocol_whitelist": "file"}

# Codecs of still pictures, named for the editor.
PICTURE_CODECS = {
    "png": "PNG",
    "apng": "PNG",
    "mjpeg": "JPEG",
    "jpegls": "JPEG",
    "jpeg2000": "JPEG 2000",
    "webp": "WebP",
    "gif": "GIF",
    "bmp": "BMP",
    "tiff": "TIFF",
    "jpegxl": "JPEG XL",
    "qoi": "QOI",
    "svg": "SVG",
}

MAX_BAD_PACKETS = 50  # more packets than this that fail to decode: the file is corrupt


def open_input(path) -> av.container.InputContainer:
    """Open a local file for reading through the demuxer whitelist (raises av.FFmpegError)."""
    return av.open(str(path), "r", options=OPEN_OPTIONS)


def audio_stream(container) -> av.audio.stream.AudioStream:
    """The container's best audio stream (a video's sound track too). Without one:
    AudioRejected 'picture', 'no_audio_track' or 'not_audio'."""
    if container.streams.audio:
        return container.streams.best("audio") or container.streams.audio[0]
    for stream in container.streams.video:
        kind = PICTURE_CODECS.get(stream.codec_context.name)
        if kind or container.format.name in PICTURE_FORMATS:
            raise rejected("picture", kind=kind or stream.codec_context.name.upper())
    if container.streams.video:
        raise rejected("no_audio_track")
    raise rejected("not_audio")


@dataclass
class DecodeStats:
    """What decoding found: samples decoded at each sample rate (counted from the frames, not
    the container's claim; whole numbers, so that a programme of exactly the maximum length
    is not over it by a rounding error), packets that failed to decode, and whether the
    demuxer failed before the end."""

    samples: dict[int, int] = field(default_factory=dict)
    bad_packets: int = 0
    stopped: bool = False

    @property
    def seconds(self) -> float:
        return sum(n / rate for rate, n in self.samples.items())


def decode(container, stream, stats: DecodeStats, layout: str | None = None) -> Iterator[av.AudioFrame]:
    """The stream's audio as packed float frames ('flt') of one channel layout (`layout`, or
    the first frame's) at the first frame's sample rate, pts counted in samples. A packet that
    fails to decode is counted and skipped; after MAX_BAD_PACKETS of them, or when the
    demuxer fails, decoding stops (stats.stopped). Mid-stream changes of rate or layout (joined
    recordings) are resampled to the first ones."""
    resamplers: dict[tuple, av.AudioResampler] = {}
    current = None
    rate = None
    out_layout = layout
    pts = 0

    def converted(frames):
        nonlocal pts
        for frame in frames:
            frame.pts = pts
            frame.time_base = Fraction(1, rate)
            pts += frame.samples
            yield frame

    try:
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.FFmpegError:
                stats.bad_packets += 1
                if stats.bad_packets > MAX_BAD_PACKETS:
                    stats.stopped = True
                    break
                continue
            for frame in frames:
                if not frame.samples:
                    continue
                stats.samples[frame.sample_rate] = stats.samples.get(frame.sample_rate, 0) + frame.samples
                if rate is None:
                    rate = frame.sample_rate
                    out_layout = out_layout or frame.layout.name
                key = (frame.format.name, frame.layout.name, frame.sample_rate)
                if key != current:
                    if current is not None:  # a change of rate or layout: empty the old resampler
                        yield from converted(resamplers[current].resample(None))
                    current = key
                    resamplers[key] = av.AudioResampler(format="flt", layout=out_layout, rate=rate)
                yield from converted(resamplers[key].resample(frame))
    except av.FFmpegError:
        stats.stopped = True
    if current is not None:
        yield from converted(resamplers[current].resample(None))


class FilterChain:
    """abuffer (packed float, one layout and rate) → the filters, in order → abuffersink.
    `push(frame)` returns the frames ready so far, `push(None)` flushes; `metadata` is that of
    the last frame out that had any (ebur128 puts its running figures in each 100 ms frame it
    passes on, but not in the remainder it lets out at the end)."""

    def __init__(self, rate: int, layout: str, filters: list[tuple[str, str]]):
        self.graph = av.filter.Graph()
        self.source = self.graph.add_abuffer(format="flt", layout=layout, sample_rate=rate, time_base=Fraction(1, rate))
        node = self.source
        for name, args in filters:
            following = self.graph.add(name, args)
            node.link_to(following)
            node = following
        self.sink = self.graph.add("abuffersink")
        node.link_to(self.sink)
        self.graph.configure()
        self.metadata = {}

    def push(self, frame: av.AudioFrame | None) -> list[av.AudioFrame]:
        self.source.push(frame)
        out = []
        while True:
            try:
                out.append(self.sink.pull())
            except (av.BlockingIOError, av.EOFError):
                break
        for frame in reversed(out):
            if metadata := frame.metadata:
                self.metadata = metadata
                break
        return out


SILENCE_LUFS = -70.0  # BS.1770's absolute gate: ebur128 reports exactly this when no block passes it


def lufs(metadata: dict) -> float:
    """Integrated loudness from ebur128's metadata (`lavfi.r128.I`, the running figure of the
    last frame is the whole programme's); −inf when nothing passed the −70 LUFS gate
    (silence) or no 400 ms block was complete."""
    try:
        value = float(metadata["lavfi.r128.I"])
    except (KeyError, ValueError):
        return float("-inf")
    return value if value > SILENCE_LUFS + 0.0005 else float("-inf")
