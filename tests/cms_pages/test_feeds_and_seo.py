"""Feeds, sitemaps, robots.txt, the site map for people, and the sharing tags: each site
answers for itself only, with absolute URLs on its own hostname."""

import datetime
import io
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

import feedparser
import pytest
from django.core.files.images import ImageFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Site

from areas.models import CommuneHomePage
from cms_pages.feeds import pubdate
from cms_pages.models import NewsIndexPage, NewsPage
from cms_pages.seo import page_tree
from tests.factories import announcement, legal_document, news

COMMUNE = "an-truong.cang-long.tra-vinh.localhost:8000"
DISTRICT = "cang-long.tra-vinh.localhost:8000"
PROVINCE = "tra-vinh.localhost:8000"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def host_of(home):
    site = Site.objects.get(root_page=home)
    return f"{site.hostname}:{site.port}"


def get(client, host, path):
    return client.get(path, HTTP_HOST=host)


def feed(client, host, path):
    response = get(client, host, path)
    assert response.status_code == 200, (path, response.status_code)
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def titles(parsed):
    return sorted(entry.title for entry in parsed.entries)


def portal_of(commune):
    return commune.area.portal


class Meta(HTMLParser):
    """The <meta> and <link> tags of a page's head."""

    def __init__(self, html):
        super().__init__()
        self.meta, self.links = {}, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta[key] = attrs.get("content")
        elif tag == "link":
            self.links.append(attrs)

    def link(self, rel, type_=None):
        return [a["href"] for a in self.links if a.get("rel") == rel and (type_ is None or a.get("type") == type_)]


# --- feeds ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_commune_feed_holds_its_own_news_and_announcements_in_force(client, commune, other_commune):
    now = timezone.now()
    own = news(commune, "Ra quân làm đường giao thông nông thôn", days_ago=1)
    news(other_commune, "Tin của xã Đông Hải")
    announcement(commune, "Lịch tiếp công dân tháng này")
    announcement(
        commune,
        "Thông báo đã hết hạn",
        valid_from=now - datetime.timedelta(days=10),
        valid_until=now - datetime.timedelta(days=1),
    )
    announcement(commune, "Thông báo chưa tới ngày", valid_from=now + datetime.timedelta(days=2))
    legal_document(commune, "35/KH-UBND")

    parsed = feed(client, COMMUNE, "/rss/")
    assert parsed.version == "rss20"
    assert parsed.feed.language == "vi"
    assert parsed.feed.title == "Trang thông tin điện tử xã An Trường"
    assert parsed.feed.link == f"http://{COMMUNE}/"
    assert titles(parsed) == ["Lịch tiếp công dân tháng này", "Ra quân làm đường giao thông nông thôn"]

    item = next(e for e in parsed.entries if e.title == own.title)
    assert item.link == f"http://{COMMUNE}/tin-tuc/{own.slug}/"
    assert item.summary == own.summary
    assert item.id == f"tag:localhost,2025:trang/{own.pk}"
    assert parsedate_to_datetime(item.published) == timezone.make_aware(
        datetime.datetime.combine(own.date, datetime.time.min)
    )  # backdated: the start of its date
    # The newest first.
    assert next(e.title for e in parsed.entries) == "Lịch tiếp công dân tháng này"


@pytest.mark.django_db
def test_feeds_per_content_type(client, commune):
    news(commune, "Tin một")
    announcement(commune, "Thông báo một")
    legal_document(commune, "12/2026/QĐ-UBND", doc_type="quyet_dinh")

    for prefix in ("/rss/", "/atom/"):
        assert titles(feed(client, COMMUNE, f"{prefix}tin-tuc/")) == ["Tin một"]
        assert titles(feed(client, COMMUNE, f"{prefix}thong-bao/")) == ["Thông báo một"]
        documents = feed(client, COMMUNE, f"{prefix}van-ban/")
        assert titles(documents) == ["12/2026/QĐ-UBND: Văn bản 12/2026/QĐ-UBND"]
        entry = documents.entries[0]
        assert entry.link.startswith(f"http://{COMMUNE}/van-ban/")
        assert "Quyết định, số 12/2026/QĐ-UBND, ban hành ngày 15/03/2026" in entry.summary
        assert "Trích yếu văn bản 12/2026/QĐ-UBND" in entry.summary

    news_feed = feed(client, COMMUNE, "/rss/tin-tuc/")
    assert news_feed.feed.title == "Tin tức – Trang thông tin điện tử xã An Trường"
    assert news_feed.feed.link == f"http://{COMMUNE}/tin-tuc/"


@pytest.mark.django_db
def test_atom_feed(client, commune):
    item = news(commune, "Tin Atom", days_ago=2)
    parsed = feed(client, COMMUNE, "/atom/")
    assert parsed.version == "atom10"
    assert parsed.feed.language == "vi"
    assert titles(parsed) == ["Tin Atom"]
    entry = parsed.entries[0]
    assert entry.link == item.get_full_url()
    assert entry.id == f"tag:localhost,2025:trang/{item.pk}"
    assert entry.summary == item.summary
    published = datetime.datetime.fromisoformat(entry.published)
    assert timezone.localdate(published) == item.date
    self_link = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_link == [f"http://{COMMUNE}/atom/"]


@pytest.mark.django_db
def test_portal_feed_federates_the_news_of_its_communes(client, commune, other_commune):
    district_portal = portal_of(commune)
    own_portal_news = news(district_portal, "Tin của huyện Càng Long")
    commune_news = news(commune, "Tin của xã An Trường")
    news(other_commune, "Tin của xã Đông Hải")  # another district
    announcement(commune, "Thông báo riêng của xã")
    announcement(district_portal, "Thông báo của huyện")

    for path in ("/rss/", "/rss/tin-tuc/", "/atom/tin-tuc/"):
        parsed = feed(client, DISTRICT, path)
        found = titles(parsed)
        assert "Tin của xã An Trường" in found and "Tin của huyện Càng Long" in found, path
        assert "Tin của xã Đông Hải" not in found, path
        assert "Thông báo riêng của xã" not in found, path
        links = {e.title: e.link for e in parsed.entries}
        # Each item links to its page on its own site's hostname.
        assert links["Tin của xã An Trường"] == f"http://{COMMUNE}/tin-tuc/{commune_news.slug}/"
        assert links["Tin của huyện Càng Long"] == f"http://{DISTRICT}/tin-tuc/{own_portal_news.slug}/"

    everything = feed(client, DISTRICT, "/rss/")
    assert titles(everything) == sorted(["Tin của huyện Càng Long", "Tin của xã An Trường", "Thông báo của huyện"])
    by_title = {e.title: e for e in everything.entries}
    assert by_title["Tin của xã An Trường"].author == "Xã An Trường"
    # Announcements stay the portal's own.
    assert titles(feed(client, DISTRICT, "/rss/thong-bao/")) == ["Thông báo của huyện"]

    # The province portal federates every district.
    province_titles = titles(feed(client, PROVINCE, "/rss/tin-tuc/"))
    assert {"Tin của xã An Trường", "Tin của xã Đông Hải", "Tin của huyện Càng Long"} <= set(province_titles)

    # A commune's feed has only its own news.
    assert titles(feed(client, COMMUNE, "/rss/tin-tuc/")) == ["Tin của xã An Trường"]
    assert titles(feed(client, host_of(other_commune), "/rss/tin-tuc/")) == ["Tin của xã Đông Hải"]


@pytest.mark.django_db
def test_drafts_and_private_pages_stay_out_of_feeds(client, commune):
    from wagtail.models import PageViewRestriction

    index = NewsIndexPage.objects.child_of(commune).get()
    draft = NewsPage(title="Bản nháp", summary="x", live=False)
    index.add_child(instance=draft)
    private = news(commune, "Tin nội bộ")
    PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.PASSWORD, password="x")
    news(commune, "Tin công khai")
    assert titles(feed(client, COMMUNE, "/rss/")) == ["Tin công khai"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/rss/khong-co/", "/atom/khong-co/", "/rss/tin-tuc/them/", "/rss/TIN-TUC/"])
def test_unknown_feed_kinds_are_404(client, commune, path):
    assert get(client, COMMUNE, path).status_code == 404


@pytest.mark.django_db
def test_feed_queries_do_not_grow_with_items(client, commune):
    portal = portal_of(commune)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert get(client, DISTRICT, "/rss/").status_code == 200
        return len(queries)

    news(commune, "Tin 0")
    announcement(portal, "Thông báo 0")
    count()  # warm: the Site index, the site settings
    few = count()
    for i in range(1, 6):
        news(commune, f"Tin {i}")
        news(portal, f"Tin huyện {i}")
        announcement(portal, f"Thông báo {i}")
    assert count() == few


def test_pubdate_is_the_publication_time_on_the_item_date_else_the_start_of_that_date():
    tz = timezone.get_current_timezone()
    published = datetime.datetime(2026, 3, 15, 9, 30, tzinfo=tz)
    same_day = NewsPage(date=datetime.date(2026, 3, 15), first_published_at=published)
    assert pubdate(same_day) == published
    backdated = NewsPage(date=datetime.date(2026, 3, 1), first_published_at=published)
    assert pubdate(backdated) == datetime.datetime(2026, 3, 1, 0, 0, tzinfo=tz)


# --- sitemap.xml, robots.txt ------------------------------------------------------------------


def served_urls(home):
    """Every live page of the Site whose home this is (a portal's or commune's)."""
    return {page.get_full_url() for page in home.get_descendants(inclusive=True).live()}


def sitemap_locations(client, host):
    response = get(client, host, "/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    return [loc.text for loc in root.findall("s:url/s:loc", SITEMAP_NS)]


@pytest.mark.django_db
def test_commune_sitemap_lists_only_its_own_pages(client, commune, other_commune):
    own = news(commune, "Tin trong sơ đồ")
    news(other_commune, "Tin xã khác")
    locations = sitemap_locations(client, COMMUNE)
    assert locations[0] == f"http://{COMMUNE}/"
    assert all(loc.startswith(f"http://{COMMUNE}/") for loc in locations)
    for path in ("/tin-tuc/", "/thong-bao/", "/van-ban/", "/gioi-thieu/", "/lien-he/", f"/tin-tuc/{own.slug}/"):
        assert f"http://{COMMUNE}{path}" in locations
    assert len(locations) == len(set(locations))
    assert set(locations) == served_urls(commune)


@pytest.mark.django_db
def test_portal_sitemap_has_no_commune_pages(client, commune):
    own = news(portal_of(commune), "Tin của cổng huyện")
    news(commune, "Tin của xã")
    locations = sitemap_locations(client, DISTRICT)
    assert all(loc.startswith(f"http://{DISTRICT}/") for loc in locations)
    assert f"http://{DISTRICT}/tin-tuc/{own.slug}/" in locations
    assert not any("an-truong" in loc for loc in locations)
    assert set(locations) == served_urls(portal_of(commune))

    province = sitemap_locations(client, PROVINCE)
    assert all(loc.startswith(f"http://{PROVINCE}/") for loc in province)
    assert f"http://{PROVINCE}/tin-tuc/" in province
    assert set(province) == served_urls(Site.objects.get(hostname="tra-vinh.localhost").root_page)


@pytest.mark.django_db
@pytest.mark.parametrize("host", [COMMUNE, DISTRICT, PROVINCE])
def test_robots_txt_names_the_site_sitemap(client, commune, host):
    response = get(client, host, "/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Allow: /" in lines
    assert "Disallow: /admin/" in lines
    assert [line for line in lines if line.startswith("Sitemap:")] == [f"Sitemap: http://{host}/sitemap.xml"]


# --- the site map for people --------------------------------------------------------------------


@pytest.mark.django_db
def test_html_sitemap_shows_the_site_tree(client, commune, other_commune):
    items = [news(commune, f"Tin số {i}", days_ago=i) for i in range(12)]
    news(other_commune, "Tin xã khác")
    response = get(client, COMMUNE, "/so-do-trang/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Sơ đồ trang</h1>" in html
    assert "Trang thông tin điện tử xã An Trường" in html  # the site's own header (base.html)
    for path, title in [
        ("/tin-tuc/", "Tin tức"),
        ("/thong-bao/", "Thông báo"),
        ("/van-ban/", "Văn bản"),
        ("/gioi-thieu/", "Giới thiệu"),
        ("/lien-he/", "Liên hệ"),
    ]:
        assert f'<a href="{path}">{title}</a>' in html
    # The latest ten news items, and a link to all of them.
    assert f'href="/tin-tuc/{items[0].slug}/"' in html
    assert f'href="/tin-tuc/{items[11].slug}/"' not in html
    assert "Xem tất cả (12)" in html
    assert "Tin xã khác" not in html
    meta = Meta(html)
    assert meta.link("canonical") == [f"http://{COMMUNE}/so-do-trang/"]
    assert meta.meta["og:title"] == "Sơ đồ trang"


@pytest.mark.django_db
def test_html_sitemap_of_a_portal_has_no_commune_pages(client, commune):
    news(commune, "Tin của xã")
    html = get(client, DISTRICT, "/so-do-trang/").content.decode()
    assert "Tin của xã" not in html
    assert '<a href="/tin-tuc/">Tin tức</a>' in html


def test_page_tree_nests_by_path_and_skips_orphans():
    class P:
        def __init__(self, path, title):
            self.path, self.title = path, title

    pages = [
        P("0001", "home"),
        P("00010001", "a"),
        P("000100010001", "a1"),
        P("000100020001", "orphan"),
        P("00010003", "c"),
    ]
    tree = page_tree(pages, lambda p: "/" + p.title + "/")
    assert [n.page.title for n in tree.children] == ["a", "c"]
    assert [n.page.title for n in tree.children[0].children] == ["a1"]


# --- sharing: Open Graph, canonical, alternate feeds --------------------------------------------


@pytest.fixture
def picture(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    PILImage.new("RGB", (1600, 1000), (200, 30, 30)).save(buffer, "PNG")
    return Image.objects.create(title="Ảnh ra quân", file=ImageFile(buffer, name="ra-quan.png"))


@pytest.mark.django_db
def test_news_page_has_open_graph_and_canonical_on_its_own_host(client, commune, picture):
    item = news(
        commune, "Ra quân ngày chủ nhật xanh", featured_image=picture, summary="Hơn 300 đoàn viên ra quân dọn vệ sinh."
    )
    response = get(client, COMMUNE, f"/tin-tuc/{item.slug}/")
    assert response.status_code == 200
    meta = Meta(response.content.decode())
    url = f"http://{COMMUNE}/tin-tuc/{item.slug}/"
    assert meta.link("canonical") == [url]
    assert meta.meta["og:url"] == url
    assert meta.meta["og:title"] == "Ra quân ngày chủ nhật xanh"
    assert meta.meta["og:description"] == "Hơn 300 đoàn viên ra quân dọn vệ sinh."
    assert meta.meta["description"] == "Hơn 300 đoàn viên ra quân dọn vệ sinh."
    assert meta.meta["og:type"] == "article"
    assert meta.meta["og:locale"] == "vi_VN"
    assert meta.meta["og:site_name"] == "Xã An Trường"
    assert meta.meta["og:image"].startswith(f"http://{COMMUNE}/media/images/")
    assert "fill-1200x630" in meta.meta["og:image"]
    assert (meta.meta["og:image:width"], meta.meta["og:image:height"]) == ("1200", "630")
    assert meta.meta["twitter:card"] == "summary_large_image"
    assert meta.meta["twitter:image"] == meta.meta["og:image"]
    assert "article:published_time" in meta.meta
    assert meta.link("alternate", "application/rss+xml") == [f"http://{COMMUNE}/rss/"]
    assert meta.link("alternate", "application/atom+xml") == [f"http://{COMMUNE}/atom/"]


@pytest.mark.django_db
def test_search_description_wins_over_summary(client, commune):
    item = news(commune, "Tin có mô tả", search_description="Mô tả cho máy tìm kiếm")
    meta = Meta(get(client, COMMUNE, f"/tin-tuc/{item.slug}/").content.decode())
    assert meta.meta["og:description"] == "Mô tả cho máy tìm kiếm"
    assert "og:image" not in meta.meta
    assert meta.meta["twitter:card"] == "summary"


@pytest.mark.django_db
def test_homes_and_sections_are_websites_with_their_canonical(client, commune):
    meta = Meta(get(client, COMMUNE, "/").content.decode())
    assert meta.link("canonical") == [f"http://{COMMUNE}/"]
    assert meta.meta["og:type"] == "website"
    assert meta.meta["og:title"] == "Xã An Trường"

    meta = Meta(get(client, DISTRICT, "/").content.decode())
    assert meta.link("canonical") == [f"http://{DISTRICT}/"]
    assert meta.meta["og:url"] == f"http://{DISTRICT}/"
    assert meta.meta["og:type"] == "website"

    meta = Meta(get(client, COMMUNE, "/tin-tuc/?trang=2").content.decode())
    assert meta.link("canonical") == [f"http://{COMMUNE}/tin-tuc/"]
    assert meta.meta["og:type"] == "website"
    assert meta.link("alternate", "application/rss+xml") == [f"http://{COMMUNE}/rss/", f"http://{COMMUNE}/rss/tin-tuc/"]


@pytest.mark.django_db
def test_announcement_and_document_pages_are_articles(client, commune):
    notice = announcement(commune, "Thông báo lịch cắt điện", summary="Cắt điện từ 7 giờ đến 11 giờ.")
    meta = Meta(get(client, COMMUNE, f"/thong-bao/{notice.slug}/").content.decode())
    assert meta.meta["og:type"] == "article"
    assert meta.meta["og:description"] == "Cắt điện từ 7 giờ đến 11 giờ."
    assert meta.link("canonical") == [f"http://{COMMUNE}/thong-bao/{notice.slug}/"]

    document = legal_document(commune, "35/KH-UBND")
    meta = Meta(get(client, COMMUNE, f"/van-ban/{document.slug}/").content.decode())
    assert meta.meta["og:type"] == "article"
    assert meta.meta["og:description"] == "Trích yếu văn bản 35/KH-UBND"


@pytest.mark.django_db
def test_every_commune_home_is_its_own_canonical(client, other_commune):
    host = host_of(other_commune)
    meta = Meta(get(client, host, "/").content.decode())
    assert meta.link("canonical") == [f"http://{host}/"]
    assert isinstance(other_commune, CommuneHomePage)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/sitemap.xml", "/so-do-trang/"])
def test_sitemap_queries_do_not_grow_with_pages(client, commune, path):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert get(client, COMMUNE, path).status_code == 200
        return len(queries)

    news(commune, "Tin 0")
    announcement(commune, "Thông báo 0")
    legal_document(commune, "1/KH-UBND")
    count()
    few = count()
    for i in range(1, 13):
        news(commune, f"Tin {i}")
        announcement(commune, f"Thông báo {i}")
        legal_document(commune, f"{i + 1}/KH-UBND")
    assert count() == few


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/rss/tin-tuc/", "/atom/tin-tuc/"])
def test_markup_characters_in_titles_and_summaries_stay_text(client, commune, path):
    import html

    news(commune, "Giá lúa <tăng> & ổn định", summary="Lúa IR50404 <5.000 đ/kg> & nếp")
    entry = feed(client, COMMUNE, path).entries[0]
    assert html.unescape(entry.title) == "Giá lúa <tăng> & ổn định"
    assert html.unescape(entry.summary) == "Lúa IR50404 <5.000 đ/kg> & nếp"
