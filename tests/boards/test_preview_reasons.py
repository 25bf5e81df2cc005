"""A board's preview lists every item of its unit and every item pushed to it, with its title,
its type and whether it plays, and if not why, in Vietnamese (never an internal key); the
source's "Nơi nhận" says the same reasons for each board that does not hold its item. Each is
read as the user sees it, through the admin, by users scoped to their own units."""

import datetime
import io

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images import get_image_model

from areas.models import CommuneHomePage
from boards.models import Board, MediaSlide
from boards.publishing import rebuild
from sources.models import EmergencyAlertPage
from tests.factories import announcement, news, push

WEEKDAYS = ["T2", "T3", "T4", "T5", "T6", "T7", "CN"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True


def user_of(unit, username, moderator=False):
    user = get_user_model().objects.create_user(username, password="x")
    user.groups.add(unit.moderators_group if moderator else unit.editors_group)
    return user


def picture():
    buffer = io.BytesIO()
    PILImage.new("RGB", (640, 360), (30, 90, 160)).save(buffer, "JPEG")
    return get_image_model().objects.create(title="Áp phích", file=ImageFile(buffer, name="ap-phich.jpg"))


def local_moment(moment):
    local = timezone.localtime(moment)
    text = f"{local:%H:%M %d/%m}"
    return text if local.year == timezone.localtime().year else f"{text}/{local.year}"


def table_rows(html, css_class):
    """{first cell's text: the whole row's text} of a listing table."""
    doc = lxml.html.fromstring(html)
    rows = {}
    for tr in doc.xpath(f"//table[contains(@class, '{css_class}')]/tbody/tr"):
        cells = [" ".join(td.text_content().split()) for td in tr.xpath("./th|./td")]
        rows[cells[0]] = " | ".join(cells)
    return rows


@pytest.mark.django_db
def test_the_preview_lists_every_item_with_its_state_and_reason(client, commune, other_commune, district):
    led = Board.objects.create(owner=commune, name="Bảng LED chợ An Trường", width=384, height=192, news_count=1)
    now = timezone.localtime()
    tomorrow_8 = (now + datetime.timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    announcement(commune, "Thông báo họp dân ấp Rạch Rô")
    announcement(commune, "Thông báo chỉ đăng trên trang", show_on_boards=False)
    announcement(commune, "Lịch tiêm chủng tuần sau", valid_from=tomorrow_8)
    expired = announcement(
        commune,
        "Thông báo nghỉ lễ đã qua",
        valid_from=now - datetime.timedelta(days=3),
        valid_until=now - datetime.timedelta(days=1),
    )
    news(commune, "Tin cũ hơn của xã", days_ago=2)
    news(commune, "Tin mới nhất của xã", days_ago=0)  # published last: the newest
    other_days = [d for d in range(7) if d != now.weekday()]
    MediaSlide.objects.create(
        owner=commune,
        title="Áp phích ngày hội đại đoàn kết",
        image=picture(),
        valid_from=now - datetime.timedelta(days=1),
        weekdays=",".join(str(d) for d in other_days),
    )
    push(
        district,
        "Diễn tập cảnh báo lũ toàn huyện",
        areas=[district],
        model=EmergencyAlertPage,
        cap_status="Exercise",
    )
    rebuild(led)

    client.force_login(user_of(commune, "bt-an-truong-xem-truoc"))
    response = client.get(f"/admin/bang-dien-tu/preview/{led.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    rows = table_rows(html, "board-candidates")
    assert "đang phát" in rows["Thông báo họp dân ấp Rạch Rô"] and "Thông báo" in rows["Thông báo họp dân ấp Rạch Rô"]
    assert "đang phát" in rows["Tin mới nhất của xã"]
    expected = {
        "Thông báo chỉ đăng trên trang": "không phát: không chọn hiện trên bảng",
        "Lịch tiêm chủng tuần sau": f"không phát: chưa đến ngày hiệu lực (từ {local_moment(tomorrow_8)})",
        "Thông báo nghỉ lễ đã qua": f"không phát: đã hết hiệu lực ({local_moment(expired.valid_until)})",
        "Tin cũ hơn của xã": "không phát: quá số tin tối đa của bảng (1 tin)",
        "Áp phích ngày hội đại đoàn kết": "không phát: ngoài khung giờ (00:00–24:00 "
        + ", ".join(WEEKDAYS[d] for d in other_days)
        + ")",
        "Diễn tập cảnh báo lũ toàn huyện": "không phát: cảnh báo diễn tập, không công khai",
    }
    for title, state in expected.items():
        assert state in rows[title], rows[title]
    assert "Tin tức" in rows["Tin cũ hơn của xã"] and "Ảnh tải lên" in rows["Áp phích ngày hội đại đoàn kết"]
    assert "Cảnh báo khẩn cấp" in rows["Diễn tập cảnh báo lũ toàn huyện"]
    table = " ".join(rows.values())
    for internal in ("announcement:", "news:", "pushed:", "media:"):
        assert internal not in table

    # Published but not yet rebuilt: waiting; then an emergency for the commune pauses the rest.
    announcement(commune, "Thông báo mới chưa dựng")
    rows = table_rows(client.get(f"/admin/bang-dien-tu/preview/{led.pk}/").content.decode(), "board-candidates")
    assert "không phát: chờ dựng lại danh sách phát" in rows["Thông báo mới chưa dựng"]
    push(district, "Lũ quét ở xã An Trường", communes=[commune], model=EmergencyAlertPage)
    rebuild(led)
    rows = table_rows(client.get(f"/admin/bang-dien-tu/preview/{led.pk}/").content.decode(), "board-candidates")
    assert "đang phát" in rows["Lũ quét ở xã An Trường"]
    for title in ("Thông báo họp dân ấp Rạch Rô", "Thông báo mới chưa dựng", "Tin mới nhất của xã"):
        assert "không phát: tạm dừng vì đang có cảnh báo khẩn cấp" in rows[title]


@pytest.mark.django_db
def test_another_communes_editor_cannot_preview_the_board(client, commune, other_commune):
    led = Board.objects.create(owner=commune, name="Bảng LED chợ An Trường", width=384, height=192)
    item = announcement(commune, "Thông báo họp dân ấp Rạch Rô")
    rebuild(led)
    client.force_login(user_of(other_commune, "bt-dong-hai-xem-truoc"))
    assert client.get(f"/admin/bang-dien-tu/preview/{led.pk}/").status_code == 404
    assert client.get(f"/admin/bang-dien-tu/preview/{led.pk}/slide/announcement:{item.pk}/").status_code == 404
    client.force_login(user_of(commune, "bt-an-truong-xem-truoc"))
    slide = client.get(f"/admin/bang-dien-tu/preview/{led.pk}/slide/announcement:{item.pk}/")
    assert slide.status_code == 200 and slide["Content-Type"] == "image/png"


@pytest.mark.django_db
def test_noi_nhan_says_why_a_board_does_not_hold_the_item(client, commune, district):
    my_cam = CommuneHomePage.objects.get(structure="2024", code="29269")
    huyen_hoi = CommuneHomePage.objects.get(structure="2024", code="29278")
    held = Board.objects.create(owner=commune, name="Bảng chợ An Trường", width=384, height=192)
    waiting = Board.objects.create(owner=my_cam, name="Bảng chợ Mỹ Cẩm", width=384, height=192)
    paused = Board.objects.create(owner=huyen_hoi, name="Bảng chợ Huyền Hội", width=384, height=192)
    item = push(district, "Ngày hội việc làm huyện Càng Long", areas=[district])
    storm = push(district, "Lốc xoáy ở xã Huyền Hội", communes=[huyen_hoi], model=EmergencyAlertPage)
    site_only = push(district, "Lịch trực Tết của huyện", areas=[district], show_on_boards=False)
    later = timezone.localtime() + datetime.timedelta(days=2)
    future = push(district, "Kế hoạch ra quân đầu năm", areas=[district], valid_from=later)
    rebuild(held)
    rebuild(paused)

    client.force_login(user_of(district, "kd-cang-long-noi-nhan", moderator=True))
    rows = table_rows(client.get(f"/admin/thong-tin-nguon/{item.pk}/noi-nhan/").content.decode(), "listing")
    by_board = {
        name: next(text for text in rows.values() if name in text)
        for name in ("Bảng chợ An Trường", "Bảng chợ Mỹ Cẩm", "Bảng chợ Huyền Hội")
    }
    assert "Có (phiên bản 1)" in by_board["Bảng chợ An Trường"]
    assert "Chưa · chờ dựng lại danh sách phát" in by_board["Bảng chợ Mỹ Cẩm"]
    assert "Chưa · tạm dừng vì đang có cảnh báo khẩn cấp" in by_board["Bảng chợ Huyền Hội"]
    assert storm.pk and waiting.pk

    html = client.get(f"/admin/thong-tin-nguon/{site_only.pk}/noi-nhan/").content.decode()
    assert html.count("Chưa · không chọn hiện trên bảng") == 3
    html = client.get(f"/admin/thong-tin-nguon/{future.pk}/noi-nhan/").content.decode()
    assert html.count(f"Chưa · chưa đến ngày hiệu lực (từ {local_moment(future.valid_from)})") == 3
    assert f"Không · chưa đến ngày hiệu lực (từ {local_moment(future.valid_from)})" in html  # the sites too
