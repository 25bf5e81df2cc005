"""The route `<page URL>nghe/` ("Nghe thông báo") of the pages that can be read aloud.

The page types live here; reading aloud lives in the boards app (boards/listen.py, which makes
the MP3 bulletin the loudspeakers use too). So the route only dispatches: the app that can
answer registers a Wagtail hook "serve_listen" taking (request, page) and returning a response.
Without one (speech not installed) the route answers 404, as for any page that cannot be heard.
"""

from django.http import Http404
from wagtail import hooks
from wagtail.contrib.routable_page.models import RoutablePageMixin, path

LISTEN_SEGMENT = "nghe/"


class ListenMixin(RoutablePageMixin):
    """Mixed into AnnouncementPage and the source pages (before Page): `<page URL>nghe/`."""

    @path(LISTEN_SEGMENT, name="listen")
    def listen(self, request):
        for serve in hooks.get_hooks("serve_listen"):
            return serve(request, self)
        raise Http404("Trang này không có bản đọc")
