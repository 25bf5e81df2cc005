"""Audio bulletins: text → MP3 for the commune loudspeakers and the audio boards.

    bulletin_mp3(text, voice=None, engine=None) -> (mp3_bytes, duration_s)
    encode_mp3(pcm, sample_rate) -> bytes
    duration_of(mp3_bytes) -> float
    split_for_synthesis(words, max_chars=CHUNK_CHARS) -> list[str]

bulletin_mp3 normalises the text (normalise.py), cuts it into chunks of whole sentences of at
most CHUNK_CHARS characters (a sentence longer than that is cut at commas, then between
words), has the engine read each chunk and encodes the samples as they come, so memory
holds one chunk's PCM and the MP3 so far, and no engine limit on input length is reached.

The MP3: MPEG-2 layer III (libmp3lame through PyAV, which the av wheel ships), mono, at the
engine's sample rate when MP3 has it (espeak-ng: 22,050 Hz; Piper: 16,000 or 22,050 Hz),
otherwise resampled to 22,050 Hz; constant MP3_BITRATE; LEAD_SILENCE_S of silence first, so
an amplifier that wakes on the signal does not cut the first syllable. No ID3 tag and the
muxer's bit-exact mode, so the file carries no version string or date: with a deterministic
engine (espeak-ng here is, see engines.py) the same text and voice give the same bytes, and
a player never downloads a bulletin twice. The Xing/LAME header is kept: it gives players
the duration and lets decoders drop the encoder's padding, so the decoded length is the
synthesised length.
"""

import io
import re
from fractions import Fraction

import av
import numpy as np

from speech.engines import SpeechEngine, check_voice, get_engine, setting
from speech.normalise import normalise

MP3_BITRATE = 48_000  # mono speech: clear on a horn loudspeaker, about 6 KB per second
MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
FALLBACK_RATE = 22050
LEAD_SILENCE_S = 0.25
CHUNK_CHARS = 600


class EmptyText(ValueError):
    """Nothing to read."""

    def __init__(self, message="Không có nội dung để đọc: văn bản trống."):
        super().__init__(message)


class Mp3Writer:
    """PCM chunks in, one MP3 out. `write(pcm, sample_rate)` as often as needed, then
    `finish()` → bytes. The output rate is that of the first chunk (resampled later chunks)."""

    def __init__(self, bitrate=MP3_BITRATE):
        self.bitrate = bitrate
        self.buffer = io.BytesIO()
        self.container = None
        self.stream = None
        self.rate = None
        self.samples = 0
        self.resamplers = {}

    def _open(self, rate):
        self.rate = rate if rate in MP3_RATES else FALLBACK_RATE
        self.container = av.open(
            self.buffer, "w", format="mp3", options={"id3v2_version": "0", "write_id3v1": "0", "fflags": "+bitexact"}
        )
        self.stream = self.container.add_stream("libmp3lame", rate=self.rate, layout="mono")
        self.stream.bit_rate = self.bitrate
        self.stream.codec_context.flags |= av.codec.context.Flags.bitexact  # no encoder version in the header

    def write(self, pcm: bytes, sample_rate: int):
        if self.container is None:
            self._open(sample_rate)
        samples = np.frombuffer(pcm, "<i2")
        if not len(samples):
            return
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = sample_rate
        frames = [frame]
        if sample_rate != self.rate:
            resampler = self.resamplers.get(sample_rate)
            if resampler is None:
                resampler = self.resamplers[sample_rate] = av.AudioResampler(
                    format="s16", layout="mono", rate=self.rate
                )
            frames = resampler.resample(frame)
        for f in frames:
            f.pts = self.samples
            f.time_base = Fraction(1, self.rate)
            self.samples += f.samples
            for packet in self.stream.encode(f):
                self.container.mux(packet)

    def write_silence(self, seconds: float, sample_rate: int):
        self.write(bytes(2 * round(seconds * sample_rate)), sample_rate)

    def finish(self) -> bytes:
        if self.container is None:
            raise EmptyText("Bộ đọc không tạo ra âm thanh nào.")
        for _rate, resampler in self.resamplers.items():
            for f in resampler.resample(None):
                f.pts = self.samples
                self.samples += f.samples
                for packet in self.stream.encode(f):
                    self.container.mux(packet)
        for packet in self.stream.encode(None):
            self.container.mux(packet)
        self.container.close()
        return self.buffer.getvalue()


def encode_mp3(pcm: bytes, sample_rate: int, bitrate: int = MP3_BITRATE) -> bytes:
    """16-bit mono PCM → MP3 bytes."""
    writer = Mp3Writer(bitrate)
    writer.write(pcm, sample_rate)
    return writer.finish()


def probe(mp3: bytes) -> dict:
    """Decode an MP3 entirely: {'codec', 'format', 'channels', 'sample_rate', 'samples',
    'duration_s', 'bit_rate'}."""
    with av.open(io.BytesIO(mp3), "r") as container:
        stream = container.streams.audio[0]
        samples = 0
        for frame in container.decode(stream):
            samples += frame.samples
        ctx = stream.codec_context
        return {
            "codec": ctx.name,
            "format": container.format.name,
            "channels": ctx.channels,
            "sample_rate": ctx.sample_rate,
            "samples": samples,
            "duration_s": samples / ctx.sample_rate,
            "bit_rate": ctx.bit_rate,
        }


def duration_of(mp3: bytes) -> float:
    """Seconds of audio in an MP3, counted by decoding it (the encoder's padding dropped)."""
    return probe(mp3)["duration_s"]


_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
_CLAUSE_END = re.compile(r"(?<=,)\s+")


def split_for_synthesis(words: str, max_chars: int = CHUNK_CHARS) -> list[str]:
    """Normalised text → chunks of whole sentences, each at most max_chars long (a longer
    sentence is cut at commas, then between words)."""
    pieces = []
    for sentence in _SENTENCE_END.split(words.strip()):
        if len(sentence) <= max_chars:
            pieces.append(sentence)
            continue
        for clause in _CLAUSE_END.split(sentence):
            while len(clause) > max_chars:
                cut = clause.rfind(" ", 0, max_chars)
                cut = cut if cut > 0 else max_chars
                pieces.append(clause[:cut])
                clause = clause[cut:].strip()
            pieces.append(clause)
    chunks, current = [], ""
    for piece in filter(None, (p.strip() for p in pieces)):
        if current and len(current) + 1 + len(piece) > max_chars:
            chunks.append(current)
            current = piece
        else:
            current = f"{current}\n{piece}" if current else piece
    if current:
        chunks.append(current)
    return chunks


def bulletin_mp3(
    text: str,
    voice: str | None = None,
    engine: SpeechEngine | None = None,
    *,
    lead_silence_s: float = LEAD_SILENCE_S,
    bitrate: int = MP3_BITRATE,
) -> tuple[bytes, float]:
    """An announcement → (MP3 bytes, duration in seconds). voice: 'bac', 'trung' or 'nam'
    (default TTS_DEFAULT_VOICE); engine: default get_engine(). Raises EmptyText when there
    is nothing to read, SpeechUnavailable when the engine cannot run, ValueError for an
    unknown voice."""
    voice = check_voice(voice or setting("TTS_DEFAULT_VOICE") or "bac")
    words = normalise(text or "")
    if not re.search(r"[^\W_]", words):
        raise EmptyText()
    engine = engine or get_engine()
    writer = Mp3Writer(bitrate)
    for chunk in split_for_synthesis(words):
        pcm, rate = engine.synthesize(chunk, voice)
        if writer.container is None and lead_silence_s > 0:
            writer.write_silence(lead_silence_s, rate)
        writer.write(pcm, rate)
    mp3 = writer.finish()
    return mp3, duration_of(mp3)
