"""Audio bulletins of the content: what is read aloud, with which voice, and the MP3 file.

Used by the loudspeaker clusters (boards of kind "audio", boards/publishing.py) and by the
"Nghe thông báo" button of announcement, source item and alert pages (boards/listen.py):

    bulletin_text(title, summary, source, priority, kind) -> str     what is read (pure)
    candidate_text(candidate) -> str                                 the same for a board's candidate
    page_text(page) -> str                                           the same for a page
    bulletin_key(text, voice, engine) -> str                         sha256 of everything that shapes the bytes
    bulletin_file(text, voice, engine=None) -> (RenderedFile, new)   synthesised once, content-addressed
    speech_problem(voice, engine=None) -> str | None                 why speech cannot run here (Vietnamese)

The MP3 is made by speech.bulletin_mp3 (deterministic bytes for the same text and voice)
and stored like a slide: `media/boards/<2 hex>/<sha256>.mp3` (RenderedFile kind "mp3", with its
duration), found again through SlideCache by a key over the normalised words, the voice, the
engine's identity (espeak-ng's version and rate, or Piper's model file and its size and date),
the MP3 settings and the encoder's version. An item whose key is unchanged is never
synthesised again; an edit of the text, another voice or another engine makes a new file.
The same text and voice give the same file for a board and for the listen button.
"""

import hashlib
import json
import os

from django.conf import settings
from django.db import IntegrityError, transaction

BULLETIN_VERSION = 1  # bump when what is read or how it is encoded changes
SENTENCE_END = ".!?…:;"


# --- What is read ------------------------------------------------------------------------------


def _sentence(text):
    text = " ".join(str(text or "").split())
    if not text:
        return ""
    return text if text[-1] in SENTENCE_END else f"{text}."


def bulletin_text(title, summary="", source="", priority="normal", kind="announcement"):
    """The words a loudspeaker reads for an item: an opening naming the unit ("Thông báo của
    UBND xã An Trường."; the normaliser reads UBND as Uỷ ban nhân dân), the title, the summary
    (for an alert: with the instruction to the people)."""
    of = f" của {source}" if source else ""
    if kind == "news":
        opening = f"Tin tức{of}"
    elif priority == "emergency":
        opening = f"Thông báo khẩn cấp{of}"
    elif priority == "priority":
        opening = f"Thông báo quan trọng{of}"
    else:
        opening = f"Thông báo{of}"
    return " ".join(part for part in (_sentence(opening), _sentence(title), _sentence(summary)) if part)


def candidate_text(candidate):
    """A board candidate's bulletin (boards.composition.Candidate with a SlideContent payload)."""
    content = candidate.payload
    return bulletin_text(
        content.title,
        content.summary,
        content.header,
        candidate.priority,
        "news" if candidate.kind == "news" else "announcement",
    )


def page_text(page):
    """A page's bulletin, the same words as on its unit's loudspeakers."""
    from wagtail.models import Page

    from areas.models import CommuneHomePage, PortalHomePage
    from boards.publishing import _unit_name
    from cms_pages.models import NewsPage
    from sources.models import EmergencyAlertPage, SourceItemPage, with_sources

    page = page.specific
    if isinstance(page, SourceItemPage | EmergencyAlertPage):
        with_sources([page])
        alert = isinstance(page, EmergencyAlertPage)
        summary = page.summary
        if alert and page.instruction:
            summary = f"{summary} {page.instruction}"
        return bulletin_text(page.title, summary, page.source_name, "emergency" if alert else page.priority)
    home = (
        Page.objects.ancestor_of(page, inclusive=True).type(CommuneHomePage, PortalHomePage).order_by("-depth").first()
    )
    source = _unit_name(home) if home is not None else ""
    kind = "news" if isinstance(page, NewsPage) else "announcement"
    return bulletin_text(page.title, getattr(page, "summary", ""), source, getattr(page, "priority", "normal"), kind)


# --- Which engine, and the key -------------------------------------------------------------------


def _file_stamp(path):
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return [str(path), stat.st_size, int(stat.st_mtime)]


def engine_identity(engine, voice):
    """What, besides the words, decides the samples. Raises SpeechUnavailable when the engine
    cannot run here (so nothing is looked up or stored for an engine that is not there)."""
    from speech.engines import EspeakEngine, PiperEngine, _EspeakLibrary

    if isinstance(engine, EspeakEngine):
        backend = engine.backend()
        if backend == "library":
            backend = ["library", _EspeakLibrary.get().version]
        return {"engine": "espeak", "backend": backend, "rate": engine.rate}
    if isinstance(engine, PiperEngine):
        model = engine.model_for(voice)
        backend = engine.backend()
        if backend == "python":
            try:
                from importlib.metadata import version

                backend = ["piper-tts", version("piper-tts")]
            except Exception:  # noqa: BLE001 - a source checkout without metadata
                backend = ["piper-tts", "?"]
        return {
            "engine": "piper",
            "backend": backend,
            "model": _file_stamp(model),
            "config": _file_stamp(f"{model}.json"),
        }
    identity = getattr(engine, "identity", None)
    return {
        "engine": getattr(engine, "name", type(engine).__name__),
        "identity": identity() if callable(identity) else None,
    }


def _encoder():
    import av

    from speech import audio

    return {
        "av": av.__version__,
        "libavcodec": list(av.library_versions.get("libavcodec", ())),
        "bitrate": audio.MP3_BITRATE,
        "lead": audio.LEAD_SILENCE_S,
        "chunk": audio.CHUNK_CHARS,
    }


def bulletin_key(text, voice, engine):
    """sha256 hex of everything that shapes bulletin_mp3(text, voice, engine)'s bytes. Raises
    ValueError for an unknown voice and SpeechUnavailable for an engine that cannot run."""
    from speech import normalise
    from speech.engines import check_voice

    check_voice(voice)
    parts = {
        "bulletin": BULLETIN_VERSION,
        "words": normalise(text or ""),
        "voice": voice,
        "engine": engine_identity(engine, voice),
        "encoder": _encoder(),
    }
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# --- The file ----------------------------------------------------------------------------------


def bulletin_file(text, voice, engine=None):
    """(RenderedFile of the MP3, whether it was synthesised now). Raises EmptyText, ValueError
    (unknown voice), SpeechUnavailable or SpeechFailed (messages in Vietnamese)."""
    from boards.models import SlideCache
    from boards.publishing import store_file
    from speech import bulletin_mp3, get_engine

    engine = engine or get_engine()
    key = bulletin_key(text, voice, engine)
    cached = SlideCache.objects.filter(key=key).select_related("file").first()
    if (
        cached is not None
        and cached.file.duration_s is not None
        and os.path.exists(os.path.join(settings.MEDIA_ROOT, cached.file.path))
    ):
        return cached.file, False
    mp3, duration = bulletin_mp3(text, voice, engine)
    file = store_file(mp3, "mp3", 0, 0, duration_s=duration)
    try:
        with transaction.atomic():
            SlideCache.objects.update_or_create(key=key, defaults={"file": file})
    except IntegrityError:  # two requests read the same new bulletin at once: the same bytes
        pass
    return file, True


def speech_problem(voice, engine=None):
    """None when bulletins can be read here with `voice`, else why not (in Vietnamese)."""
    from speech import SpeechUnavailable, get_engine

    try:
        engine_identity(engine or get_engine(), voice)
        from speech.engines import check_voice

        check_voice(voice)
    except (SpeechUnavailable, ValueError) as exc:
        return str(exc)
    return None
