"""“Nghe thông báo”: an announcement, a source item or an alert read aloud on its page.

The route `<page URL>nghe/` (cms_pages/listen.py, dispatched here through the "serve_listen" hook) (Wagtail's routes match path segments of
[\\w-], so not `nghe.mp3`): the page's bulletin as MP3, read with its site's voice
(SiteIdentity.voice), made on the first request and then found again (boards/bulletins.py:
stored content-addressed like the loudspeakers' bulletins, keyed by the words, the voice and the
engine, so an edit makes a new one and a commune's loudspeakers and its page share the file).

The answer is streamed with the boards API's file code (boards/api.py serve_file): ETag (the
file's sha256, 304 on If-None-Match), Last-Modified, one byte range (206/416, which Safari's
<audio> asks for), `Cache-Control: public, no-cache` (a cache keeps it and asks again, cheaply,
since the text may be edited under the same URL). The page template shows the player only when
speech works here; if it does not, the route answers 503 with the reason in Vietnamese, never a
500; a page with nothing to read answers 404.
"""

import logging
import os

from django.conf import settings
from django.http import HttpResponse
from wagtail.models import Site

from areas.models.site_settings import VOICE_CHOICES, SiteIdentity, voice_for_site
from boards.api import ApiError, serve_file
from boards.bulletins import bulletin_file, page_text, speech_problem
from cms_pages.listen import LISTEN_SEGMENT
from speech import EmptyText, SpeechFailed, SpeechUnavailable

log = logging.getLogger(__name__)

RETRY_AFTER_S = 300


def _text(message, status, **headers):
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def listen_response(request, page):

    if request.method not in ("GET", "HEAD"):
        return _text("Chỉ nghe được bằng GET.", 405, Allow="GET, HEAD")
    try:
        file, _new = bulletin_file(page_text(page), voice_for_site(page.get_site()))
    except EmptyText:
        return _text("Thông báo này không có nội dung để đọc.", 404)
    except (SpeechUnavailable, SpeechFailed, ValueError) as exc:
        log.warning("listen %s: %s", page.pk, exc)
        return _text(f"Chưa nghe được thông báo này: {exc}", 503, Retry_After=str(RETRY_AFTER_S))
    except Exception:
        log.exception("listen %s: bulletin failed", page.pk)
        return _text(
            "Chưa nghe được thông báo này: máy chủ không tạo được tệp âm thanh, xin thử lại sau.",
            503,
            Retry_After=str(RETRY_AFTER_S),
        )
    try:
        return serve_file(
            request,
            os.path.join(settings.MEDIA_ROOT, file.path),
            "audio/mpeg",
            etag=file.sha256,
            last_modified=file.created_at.timestamp(),
            cache_control="public, no-cache",
            headers={"Content-Disposition": f'inline; filename="{page.slug}.mp3"'},
        )
    except ApiError as exc:
        return _text(exc.message, 503 if exc.status == 404 else exc.status, Retry_After=str(RETRY_AFTER_S))


def listen_context(request, page):
    """For the page templates (boards/templatetags/speech_tags.py): the player's URL and
    label, and whether speech works here (the player is left out when it does not)."""

    site = page.get_site()
    if request is not None and site is not None and Site.find_for_request(request) == site:
        voice = SiteIdentity.for_request(request).speech_voice()  # cached on the request
    else:
        voice = voice_for_site(site)
    problem = speech_problem(voice)
    url = page.get_url(request)
    return {
        "listen_url": f"{url}{LISTEN_SEGMENT}" if url else "",
        "listen_available": problem is None,
        "voice_label": dict(VOICE_CHOICES).get(voice, voice),
        "page": page,
    }
