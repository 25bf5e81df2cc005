"""Zone geometry (boards/zones.py, themes/default/boards/zones.json): every layout at the sizes
boards come in, inside the canvas, tiling it without overlap; a layout that does not fit says why."""

import itertools
import json

import pytest
from django.core.exceptions import ValidationError

from boards import rendering, zones
from boards.models import Board, BoardLayout

SIZES = [(192, 96), (384, 192), (1920, 1080), (1080, 1920)]
LAYOUTS = [choice.value for choice in BoardLayout]


def _overlap(a, b):
    return a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.height and b.y < a.y + a.height


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_zones_inside_the_canvas_and_not_overlapping(layout, size):
    width, height = size
    found = zones.zones_for(layout, width, height)
    for zone in found:
        assert zone.width > 0 and zone.height > 0
        assert 0 <= zone.x and zone.x + zone.width <= width, zone
        assert 0 <= zone.y and zone.y + zone.height <= height, zone
    for a, b in itertools.combinations(found, 2):
        assert not _overlap(a, b), (a, b)
    # They tile the canvas: no pixel is left to no zone.
    assert sum(z.width * z.height for z in found) == width * height
    main = zones.zone(found, "main")
    rendering.check_size(main.width, main.height)  # slides can be rendered at the main zone's size
    assert found[0].id == "main"


def test_the_led_layouts_give_the_scrolling_line_a_third_of_the_panel():
    assert [z.rect for z in zones.zones_for("led_scroll", 192, 96)] == [(0, 0, 192, 64), (0, 64, 192, 32)]
    assert [z.rect for z in zones.zones_for("ticker", 384, 192)] == [(0, 0, 384, 128), (0, 128, 384, 64)]


def test_a_full_hd_side_layout_has_a_column_with_clock_over_panel():
    found = {z.id: z.rect for z in zones.zones_for("side_ticker", 1920, 1080)}
    assert found["main"] == (0, 0, 1440, 999)
    assert found["clock"] == (1440, 0, 480, 240)
    assert found["panel"] == (1440, 240, 480, 759)
    assert found["ticker"] == (0, 999, 1920, 81)  # across the whole width, under the column


def test_portrait_puts_the_column_under_the_content_and_a_thin_line_at_the_bottom():
    found = {z.id: z.rect for z in zones.zones_for("ticker", 1080, 1920)}
    assert found["ticker"][3] < 100  # 4.5 % of the height, not 7.5 %
    side = {z.id: z.rect for z in zones.zones_for("side", 1080, 1920)}
    assert side["clock"][1] == side["panel"][1] == side["main"][3]


def test_a_layout_too_big_for_a_small_panel_says_why():
    with pytest.raises(zones.LayoutError, match=r"vùng nội dung 128×43 trên bảng 128×64"):
        zones.zones_for("ticker", 128, 64)
    assert ("full", "Toàn màn hình") in zones.available_layouts(128, 64)
    assert "ticker" not in dict(zones.available_layouts(128, 64))


def test_unknown_layout_and_bad_size():
    with pytest.raises(zones.LayoutError, match="không có"):
        zones.zones_for("mosaic", 1920, 1080)
    with pytest.raises(ValueError, match="không hợp lệ"):
        zones.zones_for("ticker", 10, 10)


def test_a_broken_zones_file_is_reported(tmp_path, monkeypatch):
    theme = tmp_path / "broken" / "boards"
    theme.mkdir(parents=True)
    (theme / "zones.json").write_text(json.dumps({"format": 1, "layouts": {"x": {"*": {"zone": "nowhere"}}}}))
    monkeypatch.setattr(zones.rendering, "THEMES_DIR", tmp_path)
    monkeypatch.setattr(zones.rendering, "load_theme", lambda name: None)
    with pytest.raises(zones.LayoutError, match="không hợp lệ"):
        zones.load_zones("broken")


@pytest.mark.django_db
def test_the_board_form_refuses_a_layout_that_does_not_fit(commune):
    board = Board(owner=commune, name="Bảng nhỏ", kind="led", width=128, height=64, layout=BoardLayout.TICKER)
    with pytest.raises(ValidationError) as caught:
        board.full_clean()
    assert "vùng nội dung 128×43" in caught.value.message_dict["layout"][0]
    board.layout = BoardLayout.FULL
    board.full_clean()
