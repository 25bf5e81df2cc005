"""The flat site-root index builds exactly the URLs Wagtail's scan builds."""

import pytest
from django.test import RequestFactory
from wagtail.models import Page, Site

from areas.models import CommuneHomePage
from core import site_roots


def _wagtail_relevant(page, cache_object=None):
    return Page._wagtail_get_relevant_site_root_paths(page, cache_object)


def _request_for(site):
    return RequestFactory().get("/", HTTP_HOST=f"{site.hostname}:{site.port}")


@pytest.mark.django_db
def test_same_site_root_paths_as_wagtail_for_every_page():
    pages = list(Page.objects.all())
    assert len(pages) > 600
    for page in pages:
        assert page._get_relevant_site_root_paths() == _wagtail_relevant(page), page.url_path


@pytest.mark.django_db
def test_same_urls_as_wagtail_from_every_kind_of_site(commune, other_commune, province):
    portal_site = Site.objects.get(root_page=province.portal)
    commune_site = Site.objects.get(root_page=commune)
    pages = [commune, *commune.get_children(), other_commune, *other_commune.get_children(), province.portal]
    for site in (portal_site, commune_site):
        request = _request_for(site)
        for page in pages:
            ours = page.get_url(request=request)
            stock = Page._wagtail_get_url(page, request=request)
            assert ours == stock, page.url_path
    # Links within a site are relative; links to another commune carry its hostname.
    request = _request_for(commune_site)
    assert commune.get_children().first().get_url(request=request) == "/tin-tuc/"
    assert other_commune.get_url(request=request) == "http://dong-hai.huyen-duyen-hai.tra-vinh.localhost:8000/"


@pytest.mark.django_db
def test_area_pages_have_no_url(province):
    assert province.get_url() is None
    assert province.get_url_parts() is None


@pytest.mark.django_db
def test_index_follows_a_hostname_change(commune):
    request = _request_for(Site.objects.get(root_page=CommuneHomePage.objects.get(short_name="Đông Hải")))
    assert commune.get_url(request=request).startswith("http://an-truong.")
    site = Site.objects.get(root_page=commune)
    site.hostname = "antruong.example.vn"
    site.port = 443
    site.save()
    assert commune.get_url(request=_request_for(Site.objects.get(hostname="tra-vinh.localhost"))) == (
        "https://antruong.example.vn/"
    )


@pytest.mark.django_db
def test_index_follows_a_new_site_root(commune):
    news = commune.get_children().first()
    assert news.get_url() == "http://an-truong.cang-long.tra-vinh.localhost:8000/tin-tuc/"
    Site.objects.create(hostname="tintuc.example.vn", port=443, root_page=news, site_name="Tin")
    # The more specific root wins, as in Wagtail.
    assert news.get_url() == "https://tintuc.example.vn/"
    assert news.get_url() == Page._wagtail_get_url(news)


def test_relevant_walks_ancestors_most_specific_first():
    from wagtail.models.sites import SiteRootPath

    index = site_roots.SiteRootIndex.build(
        [
            SiteRootPath(3, "/a/b/c/", "http://c", "vi"),
            SiteRootPath(2, "/a/b/", "http://b", "vi"),
            SiteRootPath(1, "/", "http://root", "vi"),
        ]
    )
    assert [s.site_id for s in index.relevant("/a/b/c/d/")] == [3, 2, 1]
    assert [s.site_id for s in index.relevant("/a/bb/")] == [1]
    assert index.site_count == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    "host, port",
    [
        ("an-truong.cang-long.tra-vinh.localhost", 8000),  # exact
        ("an-truong.cang-long.tra-vinh.localhost", 80),  # hostname only, other port
        ("tra-vinh.localhost", 8000),  # the default site itself
        ("khong-co.tra-vinh.localhost", 8000),  # unknown: the default site
        ("127.0.0.1", 8000),
    ],
)
def test_site_of_a_request_is_the_one_wagtail_finds(host, port):
    request = RequestFactory().get("/", HTTP_HOST=f"{host}:{port}", SERVER_PORT=str(port))
    ours = site_roots.find_site(request)
    stock = Site._find_for_request(request)
    assert (ours.pk if ours else None) == (stock.pk if stock else None)


@pytest.mark.django_db
def test_no_default_site_and_unknown_host_finds_nothing():
    Site.objects.update(is_default_site=False)
    request = RequestFactory().get("/", HTTP_HOST="khong-co.localhost:8000", SERVER_PORT="8000")
    assert site_roots.find_site(request) is None and Site._find_for_request(request) is None
    # Two Sites on one hostname with other ports: Wagtail refuses to choose, and so do we.
    commune_site = Site.objects.get(hostname="an-truong.cang-long.tra-vinh.localhost")
    Site.objects.create(hostname=commune_site.hostname, port=8443, root_page=commune_site.root_page)
    request = RequestFactory().get("/", HTTP_HOST=f"{commune_site.hostname}:81", SERVER_PORT="81")
    assert site_roots.find_site(request) is None and Site._find_for_request(request) is None
