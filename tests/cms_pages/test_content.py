"""Content types on the commune and portal sites: validity, priority, listings, federation."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.models import Site

from areas.models import CommuneHomePage
from cms_pages.models import AnnouncementPage, LegalDocumentPage, NewsPage, number_key
from tests.factories import announcement, legal_document, news

HOST = "an-truong.cang-long.tra-vinh.localhost:8000"


def get(client, path="/", host=HOST, **params):
    return client.get(path, params, HTTP_HOST=host)


@pytest.mark.django_db
def test_each_content_type_renders_on_its_commune_host(client, commune):
    n = news(commune, "Ra quân làm giao thông nông thôn", body=[("paragraph", "<p>Bà con góp ngày công.</p>")])
    a = announcement(commune, "Lịch tiêm chủng tháng 12")
    d = legal_document(commune, "35/KH-UBND", effective_date=datetime.date(2026, 3, 20))
    for page, expected in [
        (n, "Bà con góp ngày công."),
        (a, "Lịch tiêm chủng tháng 12"),
        (d, "Kế hoạch số 35/KH-UBND"),
    ]:
        url = page.get_url()
        assert url.startswith("http://an-truong.cang-long.tra-vinh.localhost:8000/")
        response = get(client, url.split(":8000", 1)[1])
        assert response.status_code == 200
        assert expected in response.content.decode()
    html = get(client, d.get_url().split(":8000", 1)[1]).content.decode()
    for text in ["Cơ quan ban hành", "UBND xã An Trường", "Nguyễn Văn An", "15/03/2026", "20/03/2026", "Còn hiệu lực"]:
        assert text in html


@pytest.mark.django_db
def test_commune_home_shows_valid_announcements_first_then_news(client, commune):
    now = timezone.now()
    announcement(
        commune,
        "Thông báo đã hết hạn",
        valid_from=now - datetime.timedelta(days=5),
        valid_until=now - datetime.timedelta(days=1),
    )
    announcement(commune, "Thông báo sắp tới", valid_from=now + datetime.timedelta(days=2))
    announcement(commune, "Thông báo thường lệ")
    announcement(commune, "Cảnh báo triều cường", priority="emergency")
    news(commune, "Tin mới nhất ở An Trường")
    html = get(client).content.decode()
    assert "Thông báo đã hết hạn" not in html and "Thông báo sắp tới" not in html
    assert (
        html.index("Cảnh báo triều cường") < html.index("Thông báo thường lệ") < html.index("Tin mới nhất ở An Trường")
    )


@pytest.mark.django_db
def test_expired_announcement_leaves_lists_by_itself(client, commune, settings):
    now = timezone.now()
    a = announcement(commune, "Thông báo cắt điện", valid_until=now + datetime.timedelta(minutes=5))
    assert "Thông báo cắt điện" in get(client).content.decode()
    AnnouncementPage.objects.filter(pk=a.pk).update(valid_until=now - datetime.timedelta(seconds=1))
    assert "Thông báo cắt điện" not in get(client).content.decode()
    listing = get(client, "/thong-bao/").content.decode()
    assert "Thông báo đã hết hiệu lực" in listing  # moved to the collapsed archive
    assert AnnouncementPage.objects.valid_at(now).filter(pk=a.pk).count() == 0


@pytest.mark.django_db
def test_validity_end_before_start_is_refused(commune):
    now = timezone.now()
    page = AnnouncementPage(title="Sai", summary="x", valid_from=now, valid_until=now - datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        page.clean()
    assert "valid_until" in exc.value.message_dict


@pytest.mark.django_db
def test_document_metadata_is_checked():
    bad = LegalDocumentPage(
        title="x",
        number_symbol="không số",
        doc_type="ke_hoach",
        issuer="UBND",
        signer="A",
        issue_date=datetime.date(2026, 1, 10),
        effective_date=datetime.date(2026, 1, 1),
        summary="x",
        status="replaced",
    )
    with pytest.raises(ValidationError) as exc:
        bad.full_clean(exclude=["path", "depth", "slug", "content_type", "draft_title"])
    errors = exc.value.message_dict
    assert "number_symbol" in errors and "effective_date" in errors and "replaced_by" in errors


@pytest.mark.parametrize("number", ["35/KH-UBND", "12/2024/QĐ-UBND", "123/QĐ-TTg", "05/2025/NQ-HĐND", "7a/TB-UBND"])
def test_real_document_numbers_are_accepted(number):
    from cms_pages.models.content import validate_number_symbol

    validate_number_symbol(number)
    assert number_key(number).split()[0] == number.split("/")[0].lower()


@pytest.mark.django_db
def test_document_listing_filters_by_type_year_issuer_and_number(client, commune):
    legal_document(commune, "35/KH-UBND", doc_type="ke_hoach", issue_date=datetime.date(2026, 3, 1))
    legal_document(commune, "12/QĐ-UBND", doc_type="quyet_dinh", issue_date=datetime.date(2025, 6, 1))
    legal_document(
        commune,
        "8/TB-UBMTTQ",
        doc_type="thong_bao",
        issue_date=datetime.date(2026, 1, 5),
        issuer="Uỷ ban MTTQ xã An Trường",
    )

    def numbers(**params):
        html = get(client, "/van-ban/", **params).content.decode()
        return {n for n in ["35/KH-UBND", "12/QĐ-UBND", "8/TB-UBMTTQ"] if f">{n}</a>" in html}

    assert numbers() == {"35/KH-UBND", "12/QĐ-UBND", "8/TB-UBMTTQ"}
    assert numbers(loai="quyet_dinh") == {"12/QĐ-UBND"}
    assert numbers(nam="2026") == {"35/KH-UBND", "8/TB-UBMTTQ"}
    assert numbers(co_quan="Uỷ ban MTTQ xã An Trường") == {"8/TB-UBMTTQ"}
    assert numbers(so="35/KH") == {"35/KH-UBND"}
    assert numbers(so="qd-ubnd") == {"12/QĐ-UBND"}
    # Nonsense filters give a clear page, not a 500.
    for params in [{"nam": "abc"}, {"loai": "<script>"}, {"trang": "999"}, {"trang": "-1"}, {"so": "x" * 500}]:
        response = get(client, "/van-ban/", **params)
        assert response.status_code == 200, params
        assert "<script>" not in response.content.decode().split("</head>", 1)[1].replace("&lt;script&gt;", "")


@pytest.mark.django_db
def test_portal_federates_exactly_its_communes_news(client, commune, other_commune):
    same_district = CommuneHomePage.objects.get(structure="2024", short_name="Mỹ Cẩm")
    news(commune, "Tin An Trường")
    news(same_district, "Tin Mỹ Cẩm", days_ago=1)
    news(other_commune, "Tin Đông Hải")  # another district
    district_html = get(client, host="cang-long.tra-vinh.localhost:8000").content.decode()
    assert "Tin An Trường" in district_html and "Tin Mỹ Cẩm" in district_html
    assert "Tin Đông Hải" not in district_html
    # Each item links to the commune's own host, and names its commune.
    assert 'href="http://an-truong.cang-long.tra-vinh.localhost:8000/tin-tuc/tin-an-truong/"' in district_html
    # Filter by commune.
    filtered = get(client, host="cang-long.tra-vinh.localhost:8000", xa=commune.code).content.decode()
    assert "Tin An Trường" in filtered and "Tin Mỹ Cẩm" not in filtered
    # The province portal federates every district's communes.
    province_html = get(client, host="tra-vinh.localhost:8000").content.decode()
    assert all(t in province_html for t in ["Tin An Trường", "Tin Mỹ Cẩm", "Tin Đông Hải"])


@pytest.mark.django_db
def test_portal_news_paginates(client, commune):
    for i in range(15):
        news(commune, f"Tin số {i:02d}", days_ago=i)
    first = get(client, host="cang-long.tra-vinh.localhost:8000").content.decode()
    second = get(client, host="cang-long.tra-vinh.localhost:8000", trang=2).content.decode()
    assert "Tin số 00" in first and "Tin số 14" not in first
    assert "Tin số 14" in second and "Trang 2/2" in second


@pytest.mark.django_db
def test_news_index_filters_by_category(client, commune):
    from cms_pages.models import Category

    health = Category.objects.get(slug="y-te")
    n = news(commune, "Tiêm chủng mở rộng")
    n.categories.add(health)
    n.save_revision().publish()
    news(commune, "Ra quân dọn vệ sinh")
    html = get(client, "/tin-tuc/", chuyen_muc="y-te").content.decode()
    assert "Tiêm chủng mở rộng" in html and "Ra quân dọn vệ sinh" not in html


@pytest.mark.django_db
def test_scheduled_publishing_and_expiry(commune):
    from cms_pages.tasks import publish_scheduled

    now = timezone.now()
    page = news(commune, "Tin hẹn giờ")
    page.unpublish()
    revision = page.save_revision(approved_go_live_at=now - datetime.timedelta(minutes=1))
    expiring = news(commune, "Tin hết hạn")
    NewsPage.objects.filter(pk=expiring.pk).update(expire_at=now - datetime.timedelta(seconds=1))
    assert page.live is False and revision.approved_go_live_at is not None
    publish_scheduled()
    page.refresh_from_db()
    expiring.refresh_from_db()
    assert page.live is True
    assert expiring.live is False and expiring.expired is True


@pytest.mark.django_db
def test_worker_schedule_runs_publish_scheduled_every_minute():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="cms_pages.tasks.publish_scheduled")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 1 and schedule.repeats == -1


@pytest.mark.django_db
def test_sites_are_independent(client, commune, other_commune):
    news(commune, "Chỉ có ở An Trường")
    assert (
        "Chỉ có ở An Trường"
        not in get(client, host="dong-hai.huyen-duyen-hai.tra-vinh.localhost:8000").content.decode()
    )
    assert Site.objects.get(root_page=other_commune)
