"""Recorded programmes for the commune loudspeakers: uploads checked, loudness evened out.

    inspect(path, *, max_bytes=200 MiB, max_seconds=3 h) -> AudioInfo      checks.py
    measure(path, *, downmix=False) -> float (LUFS, −inf if silent)         loudness.py
    normalise(src, dst, *, target_lufs=-16.0, bitrate=96_000, sample_rate=44_100,
              input_lufs=None) -> NormaliseResult                            loudness.py

An editor uploads a recording (MP3, M4A/AAC, WAV, Ogg Vorbis, Opus in Ogg or WebM, or a
video's sound track); inspect() decides by content whether it can go on air and, if not, says
why in Vietnamese (AudioRejected: .message for the form, .code a slug; errors.py). normalise()
then writes the broadcast copy: a mono MP3 at one loudness (EBU R128, −16 LUFS by default),
true peaks under −1 dBTP, so that a programme recorded quietly on a phone and one mastered
loud play at the same level on every horn. Typical use:

    info = inspect(upload)
    result = normalise(upload, broadcast_mp3, input_lufs=info.loudness_lufs)

A library: PyAV (FFmpeg's libavformat, libavcodec, libavfilter) and the standard library,
nothing of the project, no ffmpeg program. Everything streams frame by frame: memory stays
flat for a three-hour programme (bench/bench_normalise.py).
"""

from audio.checks import MAX_BYTES, MAX_SECONDS, MIN_SECONDS, AudioInfo, inspect
from audio.errors import AudioRejected
from audio.loudness import TARGET_LUFS, NormaliseResult, measure, normalise

__all__ = [
    "MAX_BYTES",
    "MAX_SECONDS",
    "MIN_SECONDS",
    "TARGET_LUFS",
    "AudioInfo",
    "AudioRejected",
    "NormaliseResult",
    "inspect",
    "measure",
    "normalise",
]
