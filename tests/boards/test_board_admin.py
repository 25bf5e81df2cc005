"""The board registry in the Wagtail admin: a commune's editors see and manage only their
commune's boards; sizes are checked; the preview shows the playlist and any slide at full size."""

import io

import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from boards.models import Board
from boards.publishing import rebuild
from tests.factories import announcement


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def editor(commune):
    user = get_user_model().objects.create_user("bt_bang_an_truong", password="x-Strong-pass-123")
    user.groups.add(commune.editors_group)
    return user


@pytest.fixture
def district_editor(commune):
    user = get_user_model().objects.create_user("bt_bang_cang_long", password="x-Strong-pass-123")
    user.groups.add(commune.get_parent().specific.editors_group)
    return user


def _board(owner, name, width=1920, height=1080):
    return Board.objects.create(owner=owner, name=name, width=width, height=height)


def _form(owner, **overrides):
    data = {
        "owner": owner.pk,
        "name": "Bảng chợ An Trường",
        "address": "Chợ An Trường",
        "latitude": "9.95",
        "longitude": "106.2",
        "kind": "led",
        "width": "384",
        "height": "192",
        "output": "images",
        "default_slide_seconds": "10",
        "news_count": "5",
        "theme": "default",
        "refresh_seconds": "300",
        "is_active": "on",
        "hours-TOTAL_FORMS": "1",
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "1000",
        "hours-0-weekday": "0",
        "hours-0-start": "06:00",
        "hours-0-end": "21:00",
        "hours-0-brightness": "100",
        "hours-0-ORDER": "1",
        "hours-0-DELETE": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_commune_editor_sees_and_manages_only_their_boards(client, editor, commune, other_commune):
    mine, theirs = _board(commune, "Bảng UBND An Trường"), _board(other_commune, "Bảng UBND Đông Hải")
    client.force_login(editor)
    listing = client.get("/admin/bang-dien-tu/").content.decode()
    assert "Bảng UBND An Trường" in listing and "Bảng UBND Đông Hải" not in listing
    assert client.get(f"/admin/bang-dien-tu/edit/{mine.pk}/").status_code == 200
    for url in (
        f"/admin/bang-dien-tu/edit/{theirs.pk}/",
        f"/admin/bang-dien-tu/delete/{theirs.pk}/",
        f"/admin/bang-dien-tu/preview/{theirs.pk}/",
        f"/admin/bang-dien-tu/history/{theirs.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    # The owner can only be their commune; another commune's id is refused.
    form = client.get("/admin/bang-dien-tu/new/").content.decode()
    assert f'value="{commune.pk}"' in form and f'value="{other_commune.pk}"' not in form
    refused = client.post("/admin/bang-dien-tu/new/", _form(other_commune))
    assert refused.status_code == 200 and not Board.objects.filter(name="Bảng chợ An Trường").exists()
    created = client.post("/admin/bang-dien-tu/new/", _form(commune))
    assert created.status_code == 302
    board = Board.objects.get(name="Bảng chợ An Trường")
    assert board.owner_id == commune.pk and (board.width, board.height) == (384, 192)
    assert board.hours.count() == 1


@pytest.mark.django_db
def test_district_editor_sees_its_communes_boards(client, district_editor, commune, other_commune):
    _board(commune, "Bảng UBND An Trường")
    _board(other_commune, "Bảng UBND Đông Hải")
    client.force_login(district_editor)
    listing = client.get("/admin/bang-dien-tu/").content.decode()
    assert "Bảng UBND An Trường" in listing and "Bảng UBND Đông Hải" not in listing


@pytest.mark.django_db
@pytest.mark.parametrize(
    "width,height,message",
    [
        ("0", "192", "Kích thước phải từ 64 đến 7680 điểm ảnh"),
        ("8000", "1080", "Kích thước phải từ 64 đến 7680 điểm ảnh"),
        ("7680", "64", "Tỷ lệ khung hình quá lệch"),
        ("abc", "192", "Nhập một số"),
    ],
)
def test_absurd_board_sizes_are_refused_with_a_message(client, editor, commune, width, height, message):
    client.force_login(editor)
    response = client.post("/admin/bang-dien-tu/new/", _form(commune, width=width, height=height))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Board.objects.filter(owner=commune).exists()


@pytest.mark.django_db
def test_preview_shows_the_playlist_and_any_slide_at_full_size(client, editor, commune):
    import datetime

    from django.utils import timezone

    board = _board(commune, "Bảng hội trường", 1080, 1920)
    until = timezone.localtime().replace(second=0, microsecond=0) + datetime.timedelta(days=3)
    notice = announcement(commune, "Thông báo tiếp công dân định kỳ", valid_until=until)
    client.force_login(editor)
    page = client.get(f"/admin/bang-dien-tu/preview/{board.pk}/").content.decode()
    assert "Chưa có danh sách phát" in page and "Thông báo tiếp công dân định kỳ" in page
    assert client.post(f"/admin/bang-dien-tu/preview/{board.pk}/").status_code == 302
    version = rebuild(board)[0]
    page = client.get(f"/admin/bang-dien-tu/preview/{board.pk}/").content.decode()
    assert f"phiên bản {version.number}" in page and version.items[0]["url"] in page
    assert "aspect-ratio:1080 / 1920" in page
    assert f"đến {until:%H:%M %d/%m/%Y}" in page  # the item's end, in local time
    slide = client.get(f"/admin/bang-dien-tu/preview/{board.pk}/slide/announcement:{notice.pk}/")
    assert slide.status_code == 200 and slide["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(slide.content)).size == (1080, 1920)
    assert client.get(f"/admin/bang-dien-tu/preview/{board.pk}/slide/news:999999/").status_code == 404


@pytest.mark.django_db
def test_an_uploaded_video_clip_is_a_video_clip_value_and_has_no_slide_to_render(client, editor, commune):
    import hashlib

    from django.core.files.base import ContentFile
    from django.utils import timezone
    from wagtail.documents import get_document_model

    from boards.composition import VideoClip
    from boards.models import MediaSlide
    from boards.publishing import candidates_for

    board = _board(commune, "Bảng phim", 384, 192)
    data = b"\x00\x00\x00\x18ftypisom clip bytes"  # played as it is: never decoded here
    video = get_document_model().objects.create(title="Phim ATGT", file=ContentFile(data, name="atgt.mp4"))
    slide = MediaSlide.objects.create(owner=commune, title="Phim tuyên truyền", video=video, duration_seconds=8)
    (candidate,) = [c for c in candidates_for(board, timezone.localtime()) if c.key == f"media:{slide.pk}"]
    assert candidate.payload == VideoClip(document=video) and candidate.payload.document.title == "Phim ATGT"
    (item,) = rebuild(board)[0].items
    assert (item["kind"], item["title"], item["duration_s"]) == ("video", "Phim ATGT", 8.0)
    assert item["sha256"] == hashlib.sha256(data).hexdigest()
    client.force_login(editor)
    assert client.get(f"/admin/bang-dien-tu/preview/{board.pk}/slide/media:{slide.pk}/").status_code == 404


@pytest.mark.django_db
def test_pairing_shows_a_new_token_once_and_revoking_stops_it(client, editor, commune, other_commune):
    import re

    board = _board(commune, "Bảng ghép nối", 384, 192)
    rebuild(board)
    theirs = _board(other_commune, "Bảng xã khác", 384, 192)
    client.force_login(editor)
    assert client.get(f"/admin/bang-dien-tu/pairing/{theirs.pk}/").status_code == 404
    page = client.post(f"/admin/bang-dien-tu/pairing/{board.pk}/", {"action": "rotate"})
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html
    token = re.search(r'<p class="pairing-token" id="pairing-token">([^<]+)</p>', html)
    assert token, "the new token is shown"
    token = token.group(1).strip()
    api = f"/api/boards/v1/{board.pk}/playlist.json"
    assert client.get(api, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert token not in client.get(f"/admin/bang-dien-tu/pairing/{board.pk}/").content.decode()  # shown once
    client.post(f"/admin/bang-dien-tu/pairing/{board.pk}/", {"action": "revoke"})
    assert client.get(api, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
