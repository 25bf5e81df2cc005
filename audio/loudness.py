"""Loudness: measure a file, and bring a programme to one loudness for the loudspeakers.

    measure(path, *, downmix=False) -> float             integrated loudness, LUFS; −inf if silent
    normalise(src, dst, *, target_lufs=-16.0, bitrate=96_000, sample_rate=44_100,
              input_lufs=None) -> NormaliseResult         a mono MP3 at target_lufs

Loudness is EBU R128 / ITU-R BS.1770 integrated loudness (K-weighted, 400 ms blocks gated at
−70 LUFS and 10 LU below the ungated level), computed by libavfilter's ebur128 filter through
PyAV: `ebur128=metadata=1` writes its running figures into every frame it passes on, and
`lavfi.r128.I` on the last frame is the programme's. A file in which no block passes the
absolute gate (digital silence, a few samples of hiss) measures −inf; measure() never raises
for that, inspect() and normalise() do (AudioRejected 'silent').

normalise() is a static gain, never a dynamic leveller (no `loudnorm`: slow, and it pumps):
the mono downmix (swresample's default matrix, which keeps a centred voice at the stereo
file's loudness) gets target − input loudness, and a true-peak safety limiter stops what the
gain pushes over TRUE_PEAK_DBTP. The chain, one libavfilter graph fed frame by frame:

    decode → mono float → volume=<gain>dB → aresample to 4 × rate → alimiter at −1 dBFS
    → aresample to rate → ebur128 (the output's loudness, on the way) → libmp3lame

The limiter runs on the signal oversampled 4 × (OVERSAMPLE), as BS.1770's true-peak meter
reads it, so that peaks between the samples are caught too. It compensates its own look-ahead
delay (`latency=1`), so the programme keeps its length, and `level=0` turns off alimiter's
default make-up gain, which would raise every limited programme back to 0 dBFS. Speech at −16
LUFS peaks a few dB below full scale, so the limiter touches only the odd plosive; a quiet
recording with hard peaks loses more to it, which the one refinement below puts back. MP3
coding adds its own overshoot on top, most on dense, clipped masters (+2 dB on one taken to −10
LUFS); from −16 LUFS down, the test programmes' MP3s keep their true peaks under −1.2 dBTP.

Input loudness: normalise() needs the whole programme's loudness before its gain, so it is
measured in a pass of its own (measure(src, downmix=True)), unless the caller already has it:
inspect() measures the same mono downmix in the same way as it checks the upload, so
normalise(src, dst, input_lufs=info.loudness_lufs) decodes the file once more, not twice.

Accuracy: the graph measures the limited PCM as it goes to the encoder. LAME scales its input
down in its CBR and ABR presets (by 0.95, −0.45 dB, up to 160 kbit/s; 0.97 at 192, 0.98 at
224, none from 256), which would leave every programme 0.45 LU under its target: the gain
makes up for it, by lame_scale_db(bitrate, rate), measured once per process by encoding half
a second of a tone with the same settings, so it follows whatever LAME is installed. What
remains between the PCM and the MP3 decoded again is LAME's quantisation: 0.02 LU or less on
the speech-like test programmes and on espeak-ng speech, ~0.2 LU on white noise. output_lufs is the PCM's figure less
the scale, the MP3's expected loudness. If the limiter took more than REFINE_LU off the
programme, the gain is raised by the difference and the file encoded once more. Speech rarely
needs it: the quiet test programme, raised 14 dB from −30 LUFS, loses 0.4 LU to the limiter.

The MP3: MPEG audio layer III (MPEG-1 at 32–48 kHz, MPEG-2 below), mono, constant `bitrate`,
LAME's -q MP3_QUALITY, no ID3 tag, a Xing header (decoders drop the encoder's padding: the
decoded length is the programme's), the muxer's and encoder's bit-exact modes: the same input
and arguments give the same bytes.
Encoding is most of the work: it runs in a second thread (PyAV releases the GIL in libavcodec
and libavfilter) while the first decodes and filters the next frames, at most MAX_PENDING
batches of BATCH_FRAMES frames (~2 s each) between them, so memory stays flat for any length
(bench/bench_normalise.py). The MP3 is written to `<dst>.part` and renamed into place when
complete; nothing is left behind on an error.
"""

import functools
import io
import math
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

from audio.decoding import MAX_BAD_PACKETS, DecodeStats, FilterChain, audio_stream, decode, lufs, open_input
from audio.errors import rejected

TARGET_LUFS = -16.0
TRUE_PEAK_DBTP = -1.0
OVERSAMPLE = 4
MP3_BITRATE = 96_000
MP3_RATE = 44_100
MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
# LAME -q (0 slowest … 9 fastest; FFmpeg leaves LAME's own 3 otherwise). 7 is LAME's "fast"
# mode, without its noise shaping: at 96 kbit/s mono, speech has bits to spare (its SNR on the
# speech-like test programme is 34 dB, against 26 at -q 5: the slower modes move noise under
# the masking threshold rather than remove it), and encoding, most of normalise's work,
# takes 40 % less CPU (0.24 s per 30 s of that programme against 0.40 s at -q 5).
MP3_QUALITY = 7
REFINE_LU = 0.5
BATCH_FRAMES = 20  # frames (~0.1 s each) handed to the encoder thread at a time
MAX_PENDING = 8  # batches waiting for it: memory stays flat


@dataclass(frozen=True)
class NormaliseResult:
    """duration_s: seconds written (the MP3's decoded length); input_lufs: the source's mono
    downmix's integrated loudness; output_lufs: the MP3's expected loudness, measured on the
    limited PCM as it went into the encoder, less LAME's scale (measure(dst) reads the MP3
    itself: within 0.1 LU on speech); gain_db: the static gain applied before the limiter
    (target − input, LAME's scale made up, and the refinement if there was one); bytes: the
    MP3's size."""

    duration_s: float
    input_lufs: float
    output_lufs: float
    gain_db: float
    bytes: int


def measure(path, *, downmix: bool = False) -> float:
    """Integrated loudness of a file in LUFS (EBU R128), decoded frame by frame; −inf for
    silence. downmix=True measures the mono downmix normalise() works on (a stereo file's
    loudness counts both channels; a mono one's, its one). Packets that fail to decode are
    skipped. AudioRejected if the file is not audio at all."""
    try:
        container = open_input(path)
    except av.FFmpegError:
        raise rejected("not_audio")
    with container:
        stream = audio_stream(container)
        chain = None
        for frame in decode(container, stream, DecodeStats(), layout="mono" if downmix else None):
            if chain is None:
                chain = FilterChain(frame.sample_rate, frame.layout.name, [("ebur128", "metadata=1")])
            chain.push(frame)
        if chain is None:
            return float("-inf")
        chain.push(None)
        return lufs(chain.metadata)


def normalise(
    src,
    dst,
    *,
    target_lufs: float = TARGET_LUFS,
    bitrate: int = MP3_BITRATE,
    sample_rate: int = MP3_RATE,
    input_lufs: float | None = None,
) -> NormaliseResult:
    """Write `dst`, a mono MP3 of `src` at target_lufs (±1 LU, measured again), peaks limited
    to TRUE_PEAK_DBTP. input_lufs: the source's mono loudness if known (AudioInfo.loudness_lufs
    from inspect()), else measured first. AudioRejected 'silent' if there is nothing to raise,
    'corrupt' if the source stops decoding; ValueError for a rate MP3 does not have."""
    if sample_rate not in MP3_RATES:
        raise ValueError(f"MP3 has no {sample_rate} Hz; one of {MP3_RATES}")
    if input_lufs is None:
        input_lufs = measure(src, downmix=True)
    if input_lufs == float("-inf"):
        raise rejected("silent")
    aim = target_lufs - lame_scale_db(bitrate, sample_rate)  # the PCM's loudness, before LAME's scale
    gain = aim - input_lufs
    seconds, output = _render(src, dst, gain, bitrate, sample_rate)
    if abs(output - aim) > REFINE_LU and output != float("-inf"):
        gain += aim - output
        seconds, output = _render(src, dst, gain, bitrate, sample_rate)
    return NormaliseResult(
        duration_s=seconds,
        input_lufs=input_lufs,
        output_lufs=round(output + lame_scale_db(bitrate, sample_rate), 3),
        gain_db=round(gain, 3),
        bytes=os.path.getsize(dst),
    )


def limiter_chain(gain_db: float, sample_rate: int) -> list[tuple[str, str]]:
    """The filters after the mono float source: gain, 4× limiter, rate, loudness, LAME's format."""
    limit = 10 ** (TRUE_PEAK_DBTP / 20)
    return [
        ("volume", f"volume={gain_db:.3f}dB"),
        ("aresample", str(OVERSAMPLE * sample_rate)),
        ("alimiter", f"limit={limit:.5f}:attack=5:release=50:level=0:latency=1"),
        ("aresample", str(sample_rate)),
        ("ebur128", "metadata=1"),
        ("aformat", "sample_fmts=fltp"),
    ]


@functools.cache
def lame_scale_db(bitrate: int, sample_rate: int) -> float:
    """The gain, in dB (≤ 0), LAME applies to its input at this bitrate and rate: the level of
    a 1 kHz tone encoded and decoded again, over the tone's."""
    rate = sample_rate
    tone = (0.25 * np.sin(2 * np.pi * 1000 * np.arange(rate // 2) / rate)).astype(np.float32)
    frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="flt", layout="mono")
    frame.sample_rate = rate
    buffer = io.BytesIO()
    writer = Mp3Writer(buffer, bitrate, rate)
    writer.write([frame])
    writer.close()
    buffer.seek(0)
    with av.open(buffer, "r") as container:
        decoded = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    middle = slice(rate // 8, 3 * rate // 8)  # away from the encoder's start and end
    ratio = np.sqrt(np.mean(decoded[middle].astype(np.float64) ** 2) / np.mean(tone[middle].astype(np.float64) ** 2))
    return round(20 * math.log10(ratio), 3)


class Mp3Writer:
    """Mono MP3 out, one batch of frames at a time (from one thread at a time)."""

    def __init__(self, path, bitrate: int, sample_rate: int):
        self.container = av.open(
            path if hasattr(path, "write") else str(path),
            "w",
            format="mp3",
            options={"id3v2_version": "0", "write_id3v1": "0", "fflags": "+bitexact"},
        )
        self.stream = self.container.add_stream("libmp3lame", rate=sample_rate, layout="mono")
        self.stream.bit_rate = bitrate
        self.stream.codec_context.flags |= av.codec.context.Flags.bitexact
        self.stream.codec_context.options = {"compression_level": str(MP3_QUALITY)}
        self.time_base = Fraction(1, sample_rate)
        self.samples = 0

    def write(self, frames):
        for frame in frames:
            frame.pts = self.samples
            frame.time_base = self.time_base
            self.samples += frame.samples
            self.container.mux(self.stream.encode(frame))

    def close(self):
        self.container.mux(self.stream.encode(None))
        self.container.close()


def _render(src, dst, gain_db: float, bitrate: int, sample_rate: int) -> tuple[float, float]:
    """One pass: src → limited mono MP3 at dst. Returns (seconds written, loudness of the
    PCM that went into the encoder)."""
    part = f"{dst}.part"
    writer = Mp3Writer(part, bitrate, sample_rate)
    try:
        with open_input(src) as container, ThreadPoolExecutor(1, thread_name_prefix="mp3") as encoder:
            stats = DecodeStats()
            chain = None
            pending, batch = deque(), []
            for frame in decode(container, audio_stream(container), stats, layout="mono"):
                if chain is None:
                    chain = FilterChain(frame.sample_rate, "mono", limiter_chain(gain_db, sample_rate))
                batch += chain.push(frame)
                if len(batch) >= BATCH_FRAMES:
                    pending.append(encoder.submit(writer.write, batch))
                    batch = []
                    while len(pending) > MAX_PENDING:
                        pending.popleft().result()
            if chain is None:
                raise rejected("not_audio")
            if stats.bad_packets > MAX_BAD_PACKETS:
                raise rejected("corrupt", bad=f"hơn {MAX_BAD_PACKETS}")
            pending.append(encoder.submit(writer.write, batch + chain.push(None)))
            for done in pending:
                done.result()
        writer.close()
        os.replace(part, dst)
    except BaseException:
        try:
            writer.container.close()
        finally:
            if os.path.exists(part):
                os.remove(part)
        raise
    return writer.samples / sample_rate, lufs(chain.metadata)
