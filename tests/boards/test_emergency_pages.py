"""An emergency on a board shows its headline, its instruction and its end ("đến 18:00 07/12"),
never cut: on an LED board that shows titles only, as several slides (the instruction split to
fit); on a big screen, on one slide. Checked without OCR: each played PNG is exactly the
rendering of its slide content, and the renderer's own plan of that content draws every word."""

import datetime
import hashlib
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from boards.models import Board
from boards.publishing import candidates_for, rebuild, slides_of
from boards.rendering import plan_slide, render_slide
from sources.models import EmergencyAlertPage
from tests.factories import push

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=VN)
HEADLINE = "Bão số 9 đổ bộ vùng ven biển"
INSTRUCTION = (
    "Người dân vùng ven biển và ven sông di dời đến nơi an toàn trước 17 giờ hôm nay; "
    "tàu thuyền không ra khơi, vào nơi tránh trú; chằng chống nhà cửa, cắt điện khi nước lên; "
    "gọi đường dây nóng 0294 3862 123 khi cần cứu hộ."
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True


@pytest.fixture
def alert(district):
    return push(
        district,
        HEADLINE,
        areas=[district],
        model=EmergencyAlertPage,
        summary="Tâm bão cách bờ biển Trà Vinh khoảng 120 km, gió mạnh cấp 12, giật cấp 14.",
        instruction=INSTRUCTION,
        valid_from=NOW - datetime.timedelta(hours=1),
        valid_until=datetime.datetime(2026, 12, 7, 18, 0, tzinfo=VN),
    )


def drawn_words(content, board):
    """The words the renderer draws of a slide's title and summary (its plan's fitted lines),
    and whether any of them was cut."""
    plan = plan_slide(content, board.width, board.height, board.theme)
    texts = [t for t in plan.texts if t.role in ("title", "summary")]
    return " ".join(" ".join(t.fitted.lines) for t in texts), any(t.fitted.truncated for t in texts)


def check_played_slides(board, version):
    """Each item of the version is the PNG of its slide content, and each slide draws all its
    words: returns the drawn text of every slide, in playlist order."""
    (candidate,) = candidates_for(board, NOW)
    slides = dict(slides_of(candidate))
    texts = []
    for item in version.items:
        content = slides[item["id"]]
        assert item["sha256"] == hashlib.sha256(render_slide(content, board.width, board.height)).hexdigest()
        words, cut = drawn_words(content, board)
        assert not cut, f"{item['id']} cut: {words}"
        texts.append(words)
    return texts


@pytest.mark.django_db
def test_an_alert_on_a_384x192_led_board_plays_headline_instruction_and_end(client, commune, district, alert):
    led = Board.objects.create(owner=commune, name="Bảng LED chợ An Trường", width=384, height=192)
    version, created, _rendered, problems = rebuild(led, now=NOW)
    assert created and version.emergency and not problems
    key = f"pushed:{alert.pk}"
    ids = [item["id"] for item in version.items]
    assert ids[0] == key and ids[1:] == [f"{key}:{n}" for n in range(2, len(ids) + 1)]
    assert len(ids) >= 4  # headline, the instruction on two slides or more, the end
    assert all(item["priority"] == "emergency" for item in version.items)

    texts = check_played_slides(led, version)
    assert texts[0] == HEADLINE
    assert " ".join(texts[1:-1]) == INSTRUCTION  # all of it, in order, none cut
    assert "đến 18:00 07/12" in texts[-1]
    # The playlist says the same (each slide's title), and so does the board's preview.
    assert [item["title"] for item in version.items] == texts

    editor = get_user_model().objects.create_user("bt-an-truong-khan-cap", password="x")
    editor.groups.add(commune.editors_group)
    client.force_login(editor)
    html = client.get(f"/admin/bang-dien-tu/preview/{led.pk}/").content.decode()
    assert "đến 18:00 07/12" in html and HEADLINE in html
    for text in texts[1:-1]:
        assert text in html
    for n in range(2, len(ids) + 1):  # each slide can be looked at full size
        response = client.get(f"/admin/bang-dien-tu/preview/{led.pk}/slide/{key}:{n}/")
        assert response.status_code == 200 and response["Content-Type"] == "image/png"


@pytest.mark.django_db
def test_an_alert_on_a_big_screen_is_one_slide_with_all_three(commune, alert):
    screen = Board.objects.create(owner=commune, name="Màn hình UBND xã", width=1920, height=1080)
    version, *_ = rebuild(screen, now=NOW)
    assert [item["id"] for item in version.items] == [f"pushed:{alert.pk}"] and version.emergency
    (text,) = check_played_slides(screen, version)
    assert text.startswith(HEADLINE)
    assert INSTRUCTION in text and "đến 18:00 07/12" in text


@pytest.mark.django_db
def test_an_instruction_too_long_for_one_screen_goes_on_as_many_as_needed(commune, district):
    long_instruction = " ".join([INSTRUCTION] * 6)
    page = push(
        district,
        HEADLINE,
        areas=[district],
        model=EmergencyAlertPage,
        instruction=long_instruction,
        valid_from=NOW - datetime.timedelta(hours=1),
        valid_until=datetime.datetime(2026, 12, 7, 18, 0, tzinfo=VN),
    )
    screen = Board.objects.create(owner=commune, name="Màn hình nhỏ", width=800, height=480)
    version, *_ = rebuild(screen, now=NOW)
    assert len(version.items) >= 2
    texts = check_played_slides(screen, version)
    # Each slide repeats the headline; the text after it runs on without a word lost.
    assert all(t.startswith(HEADLINE) for t in texts)
    running = " ".join(t.removeprefix(HEADLINE).strip() for t in texts)
    assert re.sub(r"\s+", " ", running).endswith(f"{long_instruction} Hiệu lực đến 18:00 07/12.")
    assert page.summary.split()[0] in running
