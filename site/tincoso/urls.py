from django.conf import settings
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms_pages import feeds, seo
from search import engine as search

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Per site (the request's hostname chooses the Site): discovery and feeds.
    path("sitemap.xml", seo.sitemap_xml, name="seo_sitemap_xml"),
    path("robots.txt", seo.robots_txt, name="seo_robots"),
    # Browsers and crawlers ask every host for /favicon.ico; pages link the theme's icons
    # (themes/default/make_icons.py). Lazy: the hashed static name is known only once running.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("default/img/favicon.ico")), name="favicon"),
    path("so-do-trang/", seo.html_sitemap, name="seo_sitemap"),
    path("rss/", feeds.SiteFeed(), name="feed_rss"),
    path("rss/<str:kind>/", feeds.SiteFeed(), name="feed_rss_kind"),
    path("atom/", feeds.SiteAtomFeed(), name="feed_atom"),
    path("atom/<str:kind>/", feeds.SiteAtomFeed(), name="feed_atom_kind"),
    path("tim-kiem/", search.search_page, name="search"),
    path("api/search", search.search_api, name="search_api"),
    path("api/boards/v1/", include("boards.api_urls")),
    path("api/lien-thong/v1/", include("exchange.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
