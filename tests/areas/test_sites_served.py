"""Each province, district and commune site answers on its own hostname."""

import pytest
from wagtail.models import Site

from areas.models import AreaPage


def _get(client, hostname, path="/"):
    return client.get(path, HTTP_HOST=f"{hostname}:8000")


@pytest.mark.django_db
def test_province_portal_lists_its_districts_with_links_to_their_hosts(client):
    html = _get(client, "tra-vinh.localhost").content.decode()
    assert ">Cổng thông tin điện tử tỉnh Trà Vinh</h1>" in html
    assert 'href="http://cang-long.tra-vinh.localhost:8000/">Huyện Càng Long</a>' in html
    assert 'href="http://huyen-duyen-hai.tra-vinh.localhost:8000/">Huyện Duyên Hải</a>' in html
    assert 'href="http://thi-xa-duyen-hai.tra-vinh.localhost:8000/">Thị xã Duyên Hải</a>' in html


@pytest.mark.django_db
def test_district_portal_lists_its_communes_on_their_own_hosts(client):
    response = _get(client, "cang-long.tra-vinh.localhost")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="http://an-truong.cang-long.tra-vinh.localhost:8000/">Xã An Trường</a>' in html
    # Communes of another district are not listed.
    assert "Đông Hải" not in html
    # A link back up to the province portal.
    assert 'href="http://tra-vinh.localhost:8000/"' in html


@pytest.mark.django_db
def test_commune_site_and_its_sections(client):
    html = _get(client, "an-truong.cang-long.tra-vinh.localhost").content.decode()
    assert "<title>Xã An Trường</title>" in html
    assert "Trang thông tin điện tử xã An Trường" in html
    assert 'href="http://cang-long.tra-vinh.localhost:8000/">Cổng thông tin điện tử huyện Càng Long</a>' in html
    assert 'href="http://tra-vinh.localhost:8000/">Cổng thông tin điện tử tỉnh Trà Vinh</a>' in html
    for path, title in [
        ("/tin-tuc/", "Tin tức"),
        ("/thong-bao/", "Thông báo"),
        ("/van-ban/", "Văn bản"),
        ("/gioi-thieu/", "Giới thiệu"),
        ("/lien-he/", "Liên hệ"),
    ]:
        response = _get(client, "an-truong.cang-long.tra-vinh.localhost", path)
        assert response.status_code == 200, path
        assert f"<h1>{title}</h1>" in response.content.decode()
        # Header and footer of the commune's own site on every page.
        assert "Trang thông tin điện tử xã An Trường" in response.content.decode()
        assert "Uỷ ban nhân dân xã An Trường" in response.content.decode()


@pytest.mark.django_db
def test_commune_pages_are_not_served_under_the_portal_host(client):
    # Commune homes are siblings of the portal home, so the portal cannot serve them.
    assert _get(client, "cang-long.tra-vinh.localhost", "/an-truong/").status_code == 404
    assert _get(client, "tra-vinh.localhost", "/cang-long/an-truong/").status_code == 404


@pytest.mark.django_db
def test_areas_are_containers_without_a_site():
    for area in AreaPage.objects.all():
        assert not Site.objects.filter(root_page=area).exists()
        assert area.get_url() is None
