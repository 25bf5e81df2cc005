"""Whole-page caching of the public sites for anonymous readers.

A citizen's GET of a page is answered from the shared cache (Redis in production) while the
content is unchanged. Any publish, unpublish, move or delete of a page, and any change of a
Site or of its settings, starts a new content version, so the next request renders afresh.
Announcements come and go by the clock (validity windows), so a cached page lives at most
until the end of the current minute.
"""

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone

VERSION_KEY = "tincoso:content-version"
# Response headers kept with a cached page (besides its Content-Type).
KEPT_HEADERS = ("Content-Disposition", "X-Robots-Tag", "Content-Language")


def content_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    return version


def new_content_version(**kwargs):
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def minute_bucket():
    return timezone.now().strftime("%Y%m%d%H%M")


def _seconds():
    # PAGE_CACHE_SECONDS (environment): at most 60, as a minute bounds validity; 0 turns it off.
    return min(settings.PAGE_CACHE_SECONDS, 60)


def _cacheable(request):
    return (
        _seconds() > 0
        and request.method in ("GET", "HEAD")
        and not getattr(request, "is_preview", False)
        and not request.user.is_authenticated
    )


class CachedPageMixin:
    """Mixed into public page models, before Page (and before RoutablePageMixin)."""

    def serve(self, request, *args, **kwargs):
        if not _cacheable(request):
            return super().serve(request, *args, **kwargs)
        address = hashlib.sha256(f"{request.get_host()}{request.get_full_path()}".encode()).hexdigest()
        key = f"tincoso:page:{content_version()}:{minute_bucket()}:{address}"
        hit = cache.get(key)
        if hit is not None:
            status, content, headers = hit
            response = HttpResponse(content, status=status)
            for name, value in headers.items():
                response[name] = value
            response["X-Cache"] = "HIT"
            return response
        response = super().serve(request, *args, **kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        if response.status_code == 200 and not response.streaming and not response.cookies:
            headers = {"Content-Type": response["Content-Type"]}
            headers.update({name: response[name] for name in KEPT_HEADERS if response.has_header(name)})
            cache.set(key, (response.status_code, response.content, headers), _seconds())
            response["X-Cache"] = "MISS"
        return response
