"""Source information (thông tin nguồn) and emergency alerts flow down from a district or the
province: targeting by area, by chosen communes, by boards and board groups; what the commune
sites and the boards show; targets outside the source's area refused; the source sees where
its item went and how many times it played."""

import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from areas.models import AreaPage, CommuneHomePage, PortalHomePage
from boards.api import issue_token
from boards.models import Board, BoardGroup
from boards.publishing import rebuild
from core.text import slugify_vi
from sources.models import EmergencyAlertPage, SourceIndexPage, SourceItemPage
from tests.factories import news, push, section_of

PASSWORD = "Mat-khau-nguon-2026"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True


def board(owner, name, width=384, height=192, **fields):
    return Board.objects.create(owner=owner, name=name, width=width, height=height, **fields)


def ids(board_obj):
    version = rebuild(board_obj)[0]
    return [item["id"] for item in version.items]


def home_html(client, commune, path="/"):
    site = commune.get_site()
    return client.get(path, HTTP_HOST=site.hostname).content.decode()


@pytest.mark.django_db
def test_provisioning_gives_every_portal_a_source_section(district, province):
    assert section_of(district).title == "Thông tin nguồn"
    assert section_of(province).slug == "thong-tin-nguon"
    assert not SourceIndexPage.objects.descendant_of(CommuneHomePage.objects.first()).exists()


@pytest.mark.django_db
def test_a_whole_district_gets_the_item_on_its_sites_and_boards(client, district, commune, other_commune):
    ours, theirs = board(commune, "Bảng chợ An Trường"), board(other_commune, "Bảng chợ Đông Hải")
    district_board = board(district, "Bảng LED trung tâm huyện", 1920, 1080)
    item = push(district, "Lịch tiêm vắc xin sởi toàn huyện", areas=[district])
    assert f"pushed:{item.pk}" in ids(ours)
    assert f"pushed:{item.pk}" in ids(district_board)
    assert f"pushed:{item.pk}" not in ids(theirs)
    assert "Lịch tiêm vắc xin sởi toàn huyện" in home_html(client, commune)
    assert "Thông tin từ cấp trên" in home_html(client, commune)
    assert "UBND huyện Càng Long" in home_html(client, commune)  # where it comes from
    assert "Lịch tiêm vắc xin sởi toàn huyện" not in home_html(client, other_commune)
    # Every commune of the district, and only those, is reached.
    assert set(item.reached_communes()) == set(CommuneHomePage.objects.child_of(district))


@pytest.mark.django_db
def test_chosen_communes_only(client, district, commune):
    neighbour = CommuneHomePage.objects.get(structure="2024", code="29269")  # Mỹ Cẩm, same district
    item = push(district, "Hướng dẫn kê khai đất nông nghiệp", communes=[commune])
    assert list(item.reached_communes()) == [commune]
    assert "Hướng dẫn kê khai đất nông nghiệp" in home_html(client, commune)
    assert "Hướng dẫn kê khai đất nông nghiệp" not in home_html(client, neighbour)
    assert f"pushed:{item.pk}" not in ids(board(neighbour, "Bảng Mỹ Cẩm"))


@pytest.mark.django_db
def test_boards_and_groups_only_never_the_site(client, district, commune):
    chosen, other = board(commune, "Bảng trường học"), board(commune, "Bảng nhà văn hoá")
    grouped = board(CommuneHomePage.objects.get(structure="2024", code="29269"), "Bảng chợ Mỹ Cẩm")
    group = BoardGroup.objects.create(owner=district, name="Bảng chợ")
    grouped.groups.add(group)
    item = push(district, "Giá lúa hôm nay", boards=[chosen], groups=[group])
    assert f"pushed:{item.pk}" in ids(chosen)
    assert f"pushed:{item.pk}" in ids(grouped)
    assert f"pushed:{item.pk}" not in ids(other)
    assert "Giá lúa hôm nay" not in home_html(client, commune)
    assert list(item.reached_communes()) == []


@pytest.mark.django_db
def test_expired_and_unpublished_items_leave_sites_and_boards(client, district, commune):
    screen = board(commune, "Bảng UBND xã")
    now = timezone.now()
    item = push(district, "Thông báo nghỉ Tết", areas=[district], valid_until=now + datetime.timedelta(hours=1))
    assert f"pushed:{item.pk}" in ids(screen)
    # By the clock: the board knows when to recompose, and it drops the item then.
    screen.refresh_from_db()
    assert screen.recompose_at == item.valid_until
    assert f"pushed:{item.pk}" not in [i["id"] for i in rebuild(screen, now + datetime.timedelta(hours=2))[0].items]
    item.unpublish()
    assert "Thông báo nghỉ Tết" not in home_html(client, commune)
    assert f"pushed:{item.pk}" not in ids(screen)


@pytest.mark.django_db
def test_publishing_recomposes_the_boards_reached_and_withdrawal_those_still_playing(
    district, commune, other_commune, django_capture_on_commit_callbacks
):
    ours, theirs = board(commune, "Bảng xã"), board(other_commune, "Bảng xã khác")
    rebuild(ours), rebuild(theirs)
    with django_capture_on_commit_callbacks(execute=True):
        item = push(district, "Cảnh báo triều cường", areas=[district])
    assert f"pushed:{item.pk}" in [i["id"] for i in ours.current_version.items]
    assert theirs.current_version.number == 1  # not reached, not rebuilt
    # A new revision without this commune's district: the board that still plays it is rebuilt.
    page = SourceItemPage.objects.get(pk=item.pk)
    page.target_areas = []
    page.target_communes = [CommuneHomePage.objects.get(structure="2024", code="29269")]
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    assert f"pushed:{item.pk}" not in [i["id"] for i in ours.current_version.items]


@pytest.mark.django_db
def test_emergency_alert_preempts_boards_and_bans_every_page_until_withdrawn(
    client, district, commune, other_commune, django_capture_on_commit_callbacks
):
    screen = board(commune, "Bảng UBND xã", 1920, 1080)
    article = news(commune, "Hội thi nấu ăn của phụ nữ xã")
    assert ids(screen) == [f"news:{article.pk}"]
    with django_capture_on_commit_callbacks(execute=True):
        alert = push(
            district,
            "Bão số 9 đổ bộ, sơ tán dân vùng ven biển",
            areas=[district],
            model=EmergencyAlertPage,
            instruction="Người dân vùng ven biển di dời đến nơi an toàn trước 17 giờ.",
        )
    version = screen.current_version
    assert [i["id"] for i in version.items] == [f"pushed:{alert.pk}"] and version.emergency  # pre-empts the news
    assert version.items[0]["priority"] == "emergency"
    for path in ("/", article.url_path.removeprefix(commune.url_path.rstrip("/"))):
        html = home_html(client, commune, path)
        assert 'class="emergency-banner" role="alert"' in html
        assert "Bão số 9 đổ bộ, sơ tán dân vùng ven biển" in html
    assert (
        "emergency-banner"
        in client.get(
            "/", HTTP_HOST=PortalHomePage.objects.child_of(district).get().get_site().hostname
        ).content.decode()
    )
    assert "emergency-banner" not in home_html(client, other_commune)
    # Withdrawn: gone from the boards and the sites.
    with django_capture_on_commit_callbacks(execute=True):
        EmergencyAlertPage.objects.get(pk=alert.pk).unpublish()
    assert [i["id"] for i in screen.current_version.items] == [f"news:{article.pk}"]
    assert "emergency-banner" not in home_html(client, commune)


@pytest.mark.django_db
def test_an_alert_needs_an_end():
    page = EmergencyAlertPage(title="Lũ quét", event="Lũ quét", summary="Lũ quét", valid_until=None)
    with pytest.raises(Exception) as raised:
        page.clean()
    assert "hết hiệu lực" in str(raised.value)


# --- The admin --------------------------------------------------------------------------------


def staff(unit, username, moderator=False):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.groups.add(unit.moderators_group if moderator else unit.editors_group)
    return user


def add_form(area, title, **targets):
    data = {
        "title": title,
        "slug": slugify_vi(title),
        "date": timezone.localdate().isoformat(),
        "summary": "Tóm tắt",
        "body-count": "0",
        "attachments-TOTAL_FORMS": "0",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
        "valid_from": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "valid_until": "",
        "priority": "normal",
        "show_on_sites": "on",
        "show_on_boards": "on",
    }
    data.update({key: [str(v.pk) for v in values] for key, values in targets.items()})
    return data


@pytest.mark.django_db
def test_a_district_editor_cannot_target_outside_the_district(client, district, commune, other_commune):
    client.force_login(staff(district, "bt-cang-long"))
    section = section_of(district)
    url = f"/admin/pages/add/sources/sourceitempage/{section.pk}/"
    assert client.get(url).status_code == 200
    # Another district's commune is not even offered, and posting it anyway is refused.
    assert other_commune.title not in client.get(url).content.decode()
    refused = client.post(url, add_form(district, "Gửi nhầm huyện khác", target_communes=[other_commune]))
    assert refused.status_code == 200
    assert "Hãy chọn một lựa chọn hợp lệ" in refused.content.decode()
    assert not SourceItemPage.objects.filter(title="Gửi nhầm huyện khác").exists()
    # No target at all: refused with a message.
    empty = client.post(url, add_form(district, "Không nơi nhận"))
    assert "Chọn ít nhất một nơi nhận" in empty.content.decode()
    assert not SourceItemPage.objects.filter(title="Không nơi nhận").exists()
    # Inside the district: saved as a draft.
    client.post(url, add_form(district, "Đúng địa bàn", target_communes=[commune]))
    assert SourceItemPage.objects.get(title="Đúng địa bàn").target_communes.get() == commune


@pytest.mark.django_db
def test_a_commune_editor_cannot_push_information_down(client, district, commune):
    client.force_login(staff(commune, "bt-an-truong-nguon"))
    section = section_of(district)
    response = client.get(f"/admin/pages/add/sources/sourceitempage/{section.pk}/")
    assert response.status_code in (302, 403)
    item = push(district, "Tin của huyện", areas=[district])
    assert client.get(f"/admin/thong-tin-nguon/{item.pk}/noi-nhan/").status_code == 404


@pytest.mark.django_db
def test_the_source_sees_sites_boards_and_plays(client, district, commune):
    screen = board(commune, "Bảng chợ An Trường")
    untouched = board(CommuneHomePage.objects.get(structure="2024", code="29269"), "Bảng Mỹ Cẩm")
    item = push(district, "Ngày hội việc làm huyện Càng Long", areas=[district])
    rebuild(screen)
    token = issue_token(screen)
    started = timezone.now().replace(microsecond=0)
    plays = [
        {
            "item_id": f"pushed:{item.pk}",
            "started_at": (started + datetime.timedelta(seconds=10 * n)).isoformat(),
            "duration_s": 10,
        }
        for n in range(3)
    ]
    response = client.post(
        f"/api/boards/v1/{screen.pk}/plays",
        json.dumps(plays),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code in (200, 201, 202), response.content
    client.force_login(staff(district, "kd-cang-long", moderator=True))
    html = client.get(f"/admin/thong-tin-nguon/{item.pk}/noi-nhan/").content.decode()
    assert "Xã An Trường" in html and "Bảng chợ An Trường" in html
    assert "Có (phiên bản" in html  # in the board's current playlist
    assert "3 lần phát (30 giây)" in html
    assert "Đang hiện" in html
    assert "Bảng Mỹ Cẩm" in html and "Chưa" in html  # reached, not yet rebuilt
    assert untouched.pk  # (rebuilt by the worker in production; here only An Trường's was)
    listing = client.get("/admin/thong-tin-nguon/").content.decode()
    assert "Ngày hội việc làm huyện Càng Long" in listing
    assert "<td>1 / 2</td>" in listing and "<td>3</td>" in listing  # the same figures as Nơi nhận


@pytest.mark.django_db
def test_source_items_and_alerts_print_as_pdf(client, district):
    import io
    from urllib.parse import urlsplit

    from pypdf import PdfReader

    item = push(district, "Kế hoạch ra quân vệ sinh môi trường", areas=[district])
    alert = push(
        district,
        "Lũ quét ở vùng trũng",
        areas=[district],
        model=EmergencyAlertPage,
        instruction="Không qua ngầm, tràn khi nước chảy xiết.",
    )
    host = PortalHomePage.objects.child_of(district).get().get_site().hostname
    for page, words in (
        (item, ["THÔNG BÁO", "Kế hoạch ra quân vệ sinh môi trường"]),
        (alert, ["CẢNH BÁO KHẨN CẤP", "Lũ quét ở vùng trũng", "Không qua ngầm"]),
    ):
        response = client.get(urlsplit(page.full_url).path + "in/", HTTP_HOST=host)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        for word in words:
            assert word in text


@pytest.mark.django_db
def test_demo_source_information(client, province):
    from demo.sources import seed_sources

    user = get_user_model().objects.create_user("du-lieu-mau-thu", is_active=False)
    created = seed_sources(province, user)
    districts = AreaPage.objects.filter(path__startswith=province.path, level="district").count()
    assert created == 2 + 2 * districts + 1
    assert seed_sources(province, user) == 0  # a second run adds nothing
    alert = EmergencyAlertPage.objects.get(live=True)
    assert [a.short_name for a in alert.target_areas.all()] == ["Duyên Hải"]
    dong_hai = CommuneHomePage.objects.get(structure="2024", code="29536")  # in huyện Duyên Hải
    html = home_html(client, dong_hai)
    assert "Cảnh báo triều cường và sạt lở bờ sông, bờ biển" in html
    assert "Tăng cường phòng, chống dịch sốt xuất huyết trong mùa mưa" in html
