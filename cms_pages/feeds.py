"""RSS 2.0 and Atom feeds of every site (django.contrib.syndication).

    /rss/             latest news and announcements in force of the site
    /rss/tin-tuc/     news             /rss/thong-bao/   announcements in force
    /rss/van-ban/     legal documents
    /atom/…           the same in Atom

On a portal's host the news is federated, as on the portal's home page: everything published
in its area (its own and its communes'), each item linking to the page on its own commune's
hostname. Announcements and documents stay the site's own. Each feed costs a fixed handful of
queries whatever its length.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.functional import cached_property
from django.utils.html import escape
from wagtail.models import Page, Site

from areas.models import CommuneHomePage, PortalHomePage, SiteIdentity
from cms_pages.models import AnnouncementPage, LegalDocumentPage, NewsPage

FEED_SIZE = 30

ALL = ""
NEWS = "tin-tuc"
ANNOUNCEMENTS = "thong-bao"
DOCUMENTS = "van-ban"
# kind → (title prefix, what the feed holds); the slugs are those of the provisioned sections.
KINDS = {
    ALL: ("", "Tin tức và thông báo mới"),
    NEWS: ("Tin tức", "Tin tức, sự kiện"),
    ANNOUNCEMENTS: ("Thông báo", "Thông báo đang có hiệu lực"),
    DOCUMENTS: ("Văn bản", "Văn bản mới ban hành"),
}


@dataclass
class FeedScope:
    """What one feed request is about: the site, its home, the kind, and for portals the area."""

    request: object
    site: Site
    home: Page
    kind: str

    @cached_property
    def area(self):
        """The area whose news a portal federates; None on a commune site."""
        return self.home.area if isinstance(self.home, PortalHomePage) else None

    @cached_property
    def name(self):
        identity = SiteIdentity.for_site(self.site)
        if identity.display_name:
            return identity.display_name
        return getattr(self.home, "site_title", None) or self.home.title

    @cached_property
    def items(self):
        now = timezone.now()
        found = []
        if self.kind in (ALL, NEWS):
            news = (
                NewsPage.objects.live()
                .public()
                .descendant_of(self.area or self.home)
                .defer_streamfields()
                .prefetch_related("categories")
                .order_by("-date", "-pk")
            )
            found += list(news[:FEED_SIZE])
        if self.kind in (ALL, ANNOUNCEMENTS):
            announcements = (
                AnnouncementPage.objects.live()
                .public()
                .descendant_of(self.home)
                .valid_at(now)
                .defer_streamfields()
                .order_by("-date", "-valid_from", "-pk")
            )
            found += list(announcements[:FEED_SIZE])
        if self.kind == DOCUMENTS:
            documents = (
                LegalDocumentPage.objects.live().public().descendant_of(self.home).order_by("-issue_date", "-pk")
            )
            found += list(documents[:FEED_SIZE])
        found.sort(key=lambda item: (pubdate(item), item.pk), reverse=True)
        return found[:FEED_SIZE]

    @cached_property
    def sources(self):
        """url_path → home page (commune or portal) of the sites the items come from: one query."""
        candidates = {ancestor for item in self.items for ancestor in _ancestor_paths(item.url_path)}
        homes = Page.objects.filter(url_path__in=candidates).type(CommuneHomePage, PortalHomePage)
        return {home.url_path: home for home in homes}

    def source_of(self, item):
        for path in _ancestor_paths(item.url_path):
            if path in self.sources:
                return self.sources[path]
        return None

    @cached_property
    def link(self):
        """The section the feed follows (Tin tức, Thông báo, Văn bản) or the site's home."""
        if self.kind:
            section = Page.objects.child_of(self.home).live().filter(slug=self.kind).first()
            if section is not None:
                return section.get_full_url(self.request)
        return self.home.get_full_url(self.request)


def _ancestor_paths(url_path):
    """'/a/b/c/' → ['/a/b/', '/a/']: the url_paths of a page's ancestors, nearest first."""
    paths = []
    end = len(url_path.rstrip("/"))
    while end > 0:
        end = url_path.rfind("/", 0, end)
        if end <= 0:
            break
        paths.append(url_path[: end + 1])
    return paths


def _day_of(item):
    if isinstance(item, LegalDocumentPage):
        return item.issue_date
    return item.date


def pubdate(item):
    """When the item appeared: its first publication if that fell on its date, else the start
    of its date (news dated earlier than it was put online, documents issued before)."""
    day = _day_of(item)
    published = item.first_published_at
    if published is not None and (day is None or timezone.localdate(published) == day):
        return published
    if day is None:
        return item.latest_revision_created_at or timezone.now()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class SiteFeed(Feed):
    """RSS 2.0 feed of the site the request is for; `kind` is one of KINDS."""

    feed_type = Rss201rev2Feed
    language = "vi"

    def get_object(self, request, kind=ALL):
        if kind not in KINDS:
            raise Http404("Không có kênh tin này.")
        site = Site.find_for_request(request)
        if site is None:
            raise Http404("Không có trang web nào ở địa chỉ này.")
        return FeedScope(request=request, site=site, home=site.root_page.specific, kind=kind)

    def title(self, scope):
        prefix = KINDS[scope.kind][0]
        return f"{prefix} – {scope.name}" if prefix else scope.name

    def description(self, scope):
        text = f"{KINDS[scope.kind][1]} của {scope.name}"
        if scope.area is not None and scope.kind in (ALL, NEWS):
            text += f", gồm tin của các đơn vị thuộc {scope.area.name_in_sentence}"
        return text + "."

    def link(self, scope):
        return scope.link

    def feed_url(self, scope):
        name = "feed_atom" if self.feed_type is Atom1Feed else "feed_rss"
        path = reverse(name) if scope.kind == ALL else reverse(f"{name}_kind", args=[scope.kind])
        return scope.site.root_url + path

    def author_name(self, scope):
        return scope.name

    def feed_copyright(self, scope):
        return f"© {scope.name}"

    def items(self, scope):
        self._scope = scope
        return scope.items

    def item_title(self, item):
        title = f"{item.number_symbol}: {item.title}" if isinstance(item, LegalDocumentPage) else item.title
        # RSS readers read titles as HTML (Django escapes them once more for that); Atom's
        # are plain text.
        return title if self.feed_type is Atom1Feed else escape(title)

    def item_description(self, item):
        # Summaries are plain text; both formats carry the description as HTML.
        if isinstance(item, LegalDocumentPage):
            parts = [str(item.type_label), f"số {item.number_symbol}", f"ban hành ngày {item.issue_date:%d/%m/%Y}"]
            if item.issuer:
                parts.append(item.issuer)
            return escape(f"{', '.join(parts)}. {item.summary}")
        return escape(item.summary)

    def item_link(self, item):
        return item.get_full_url(self._scope.request)

    def item_guid(self, item):
        # Stable even if the page is renamed or moved: the page's id under the base domain.
        return f"tag:{settings.BASE_DOMAIN},2025:trang/{item.pk}"

    def item_guid_is_permalink(self, item):
        return False

    def item_pubdate(self, item):
        return pubdate(item)

    def item_updateddate(self, item):
        return item.last_published_at or pubdate(item)

    def item_author_name(self, item):
        source = self._scope.source_of(item)
        return source.title if source is not None else None

    def item_categories(self, item):
        if isinstance(item, NewsPage):
            return [category.name for category in item.categories.all()]
        if isinstance(item, AnnouncementPage):
            return ["Thông báo"]
        if isinstance(item, LegalDocumentPage):
            return [str(item.type_label)]
        return []

    def __call__(self, request, *args, **kwargs):
        # One Feed instance serves every request: keep the scope per call, not on the
        # instance across threads.
        feed = self.__class__()
        return Feed.__call__(feed, request, *args, **kwargs)


class SiteAtomFeed(SiteFeed):
    """The same feed in Atom 1.0."""

    feed_type = Atom1Feed

    def subtitle(self, scope):
        return self.description(scope)
