"""Speech for the commune loudspeakers (issue 9): announcements read aloud as MP3 bulletins.

    normalise(text) -> str                                    normalise.py (pure)
    bulletin_mp3(text, voice=None, engine=None) -> (bytes, duration_s)     audio.py
    get_engine(name=None) -> SpeechEngine                     engines.py (settings TTS_*)

Voices: "bac", "trung", "nam" (VOICES, VOICE_LABELS). Errors: SpeechUnavailable (the
configured engine cannot run: message in Vietnamese for the operator), SpeechFailed (it ran
and failed), EmptyText (nothing to read), ValueError (unknown voice).
"""

from speech.audio import EmptyText, bulletin_mp3, duration_of, encode_mp3
from speech.engines import (
    VOICE_LABELS,
    VOICES,
    EspeakEngine,
    PiperEngine,
    SpeechEngine,
    SpeechFailed,
    SpeechUnavailable,
    get_engine,
)
from speech.normalise import normalise

__all__ = [
    "VOICES",
    "VOICE_LABELS",
    "EmptyText",
    "EspeakEngine",
    "PiperEngine",
    "SpeechEngine",
    "SpeechFailed",
    "SpeechUnavailable",
    "bulletin_mp3",
    "duration_of",
    "encode_mp3",
    "get_engine",
    "normalise",
]
