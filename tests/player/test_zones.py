"""The reference player draws a zoned screen itself (player/zones.py, player/display.py): the
playlist's layout (the zone contract, docs/architecture.md) against a loopback fake of the
boards API, the layout's font from themes/default/fonts, frames read back from current.png as
a watchdog or the screenshot would see them."""

import io
import os
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from player.client import Player
from player.display import Display, Headless, grab_x_display
from tests.player.fake_server import FakeBoardsServer

TOKEN = "secret-token"
ROOT = Path(__file__).resolve().parents[2]
FONT = ROOT / "themes" / "default" / "fonts" / "NotoSans-Bold.ttf"
WIDTH, HEIGHT = 640, 360
MAIN = (0, 0, 480, 300)  # x, y, width, height
CLOCK = (480, 0, 160, 100)
PANEL = (480, 100, 160, 200)
TICKER = (0, 300, 640, 60)
BLUE, RED = (10, 79, 149), (179, 22, 27)


def png(color, size):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def two_tone(size, top, bottom):
    picture = Image.new("RGB", size, top)
    picture.paste(bottom, (0, size[1] // 2, size[0], size[1]))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


class Clock:
    """The player's clock, moved by hand."""

    def __init__(self, moment):
        self.now = moment

    def __call__(self):
        return self.now.astimezone(UTC)


class Monotonic:
    """The clock the ticker moves by, moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def zone(zone_id, role, box, **extra):
    x, y, width, height = box
    return {"id": zone_id, "role": role, "x": x, "y": y, "width": width, "height": height, **extra}


def publish_zoned(fake, main_size=(480, 300), emergency=True):
    """A playlist with one item and a layout as the server gives it (the contract's example,
    at 640×360): main, clock, an image panel, the ticker."""
    font = fake.add_file(FONT.read_bytes(), ext="ttf")
    panel = fake.add_file(two_tone(PANEL[2:], (255, 220, 0), (0, 160, 60)))
    main_item = {
        "id": "a",
        "kind": "image",
        "duration_s": 30,
        "valid_from": "2020-01-01T00:00:00+07:00",
        "valid_to": "2099-01-01T00:00:00+07:00",
        "priority": "normal",
        "title": "Lịch tiêm chủng",
        **fake.add_file(png((200, 30, 200), main_size)),
    }
    layout = {
        "name": "side",
        "width": WIDTH,
        "height": HEIGHT,
        "background": "#0A4F95",
        "font": font,
        "zones": [
            zone("main", "main", MAIN),
            zone(
                "clock",
                "clock",
                CLOCK,
                time_format="%H:%M",
                date_format="{weekday}, %d/%m/%Y",
                weekdays=["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"],
                timezone="Asia/Ho_Chi_Minh",
                utc_offset="+07:00",
                colour="#FFFFFF",
                background="#0A4F95",
            ),
            zone("panel", "image", PANEL, **panel),
            zone(
                "ticker",
                "ticker",
                TICKER,
                text="KHẨN CẤP: Bão số 9 đổ bộ • Thông báo lịch tiêm chủng",
                separator="   •   ",
                speed_px_s=120,
                font_px=36,
                colour="#FFFFFF",
                background="#B3161B" if emergency else "#0A4F95",
                emergency=emergency,
            ),
        ],
    }
    fake.publish(1, [main_item], board={"id": 7, "name": "Bảng UBND", "width": WIDTH, "height": HEIGHT}, layout=layout)
    return main_item, layout


@pytest.fixture
def fake():
    with FakeBoardsServer(board="7", token=TOKEN) as server:
        yield server


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "cache"


def frame(cache_dir):
    with Image.open(cache_dir / "current.png") as picture:
        return picture.convert("RGB")


def crop(picture, box):
    x, y, width, height = box
    return picture.crop((x, y, x + width, y + height))


def differs(a, b):
    return ImageChops.difference(a, b).getbbox() is not None


def colours(picture):
    return {colour for _count, colour in picture.getcolors(1 << 20)}


@pytest.fixture
def zoned(fake, cache_dir):
    """A player that took up the zoned playlist, its clock and ticker clock in the test's hands."""
    _item, layout = publish_zoned(fake)
    clock, monotonic = Clock(datetime(2026, 11, 23, 2, 15, 10, tzinfo=UTC)), Monotonic()
    screen = Headless(cache_dir, monotonic=monotonic)
    player = Player(fake.url, "7", TOKEN, cache_dir, timeout=5, rng=random.Random(1), clock=clock, screen=screen)
    assert player.run_once() == 0
    yield player, screen, clock, monotonic, layout
    screen.close()


def test_the_frame_has_the_boards_size_with_each_zone_in_its_place(zoned, fake, cache_dir):
    _player, screen, _clock, monotonic, layout = zoned
    shown = frame(cache_dir)
    assert shown.size == (WIDTH, HEIGHT)
    # The item fills the main zone, exactly there.
    assert colours(crop(shown, MAIN)) == {(200, 30, 200)}
    # The panel's picture, top half yellow, bottom half green, in its zone.
    panel = crop(shown, PANEL)
    assert panel.getpixel((80, 50)) == (255, 220, 0) and panel.getpixel((80, 150)) == (0, 160, 60)
    # The clock: white text on its background.
    clock_colours = colours(crop(shown, CLOCK))
    assert BLUE in clock_colours and (255, 255, 255) in clock_colours
    # The ticker: the emergency red, its text coming in at the right edge, white.
    assert colours(crop(shown, TICKER)) == {RED}
    monotonic.now += 2.0
    screen.render()
    band = crop(frame(cache_dir), TICKER)
    assert RED in colours(band) and (255, 255, 255) in colours(band)
    assert colours(crop(band, (0, 0, 640 - 240 - 2, 60))) == {RED}  # 240 px in at 120 px/s
    # The font and the panel came like items: in the cache, by their sha256.
    files = {p.name for p in (cache_dir / "files").iterdir()}
    assert {layout["font"]["sha256"], layout["zones"][2]["sha256"]} <= files
    assert len(fake.seen("GET", "/media/")) == 3


def test_the_clock_zone_changes_when_the_players_clock_moves_a_minute(zoned, cache_dir):
    _player, screen, clock, _monotonic, _layout = zoned
    before = frame(cache_dir)
    clock.now += timedelta(seconds=20)  # 09:15:30 → still 09:15: the same face
    screen.render()
    assert not differs(crop(frame(cache_dir), CLOCK), crop(before, CLOCK))
    clock.now += timedelta(minutes=1)  # 09:16
    screen.render()
    after = frame(cache_dir)
    assert differs(crop(after, CLOCK), crop(before, CLOCK))
    # Nothing else moved: the ticker's own clock stood still.
    for box in (MAIN, PANEL, TICKER):
        assert not differs(crop(after, box), crop(before, box))


def test_the_ticker_scrolls_and_the_rest_stays_still(zoned, cache_dir):
    _player, screen, _clock, monotonic, _layout = zoned
    monotonic.now += 4.0  # 480 px in: the text from x = 160 on
    screen.render()
    first = frame(cache_dir)
    monotonic.now += 3.0  # 360 px further left at 120 px/s
    screen.render()
    second = frame(cache_dir)
    assert differs(crop(second, TICKER), crop(first, TICKER))
    for box in (MAIN, PANEL, CLOCK):
        assert not differs(crop(second, box), crop(first, box))
    # Right to left: what was at x = 400 is now 360 px to the left, at x = 40.
    assert not differs(
        crop(first, (400, TICKER[1], 200, TICKER[3])).convert("L").point(lambda v: v > 128 and 255),
        crop(second, (40, TICKER[1], 200, TICKER[3])).convert("L").point(lambda v: v > 128 and 255),
    )


def test_a_main_item_of_another_size_is_scaled_into_the_main_zone(fake, cache_dir):
    publish_zoned(fake, main_size=(240, 150))  # half the zone's size, same proportions
    screen = Headless(cache_dir, monotonic=Monotonic())
    player = Player(fake.url, "7", TOKEN, cache_dir, timeout=5, screen=screen)
    try:
        assert player.run_once() == 0
        assert colours(crop(frame(cache_dir), MAIN)) == {(200, 30, 200)}
    finally:
        screen.close()


def test_the_screenshot_is_the_composed_frame(zoned, fake):
    player, *_ = zoned
    player.upload_screenshot()
    shot = fake.screenshots[-1]
    assert shot["size"] == (WIDTH, HEIGHT)
    with Image.open(io.BytesIO(shot["data"])) as picture:
        assert crop(picture.convert("RGB"), PANEL).getpixel((80, 150)) == (0, 160, 60)


def test_offline_after_the_first_poll_the_layout_comes_from_the_cache(zoned, fake, cache_dir):
    _player, screen, *_ = zoned
    screen.close()
    (cache_dir / "current.png").unlink()
    fake.mode = "down"
    fetched = len(fake.seen("GET", "/media/"))
    again = Player(fake.url, "7", TOKEN, cache_dir, timeout=2, screen=Headless(cache_dir, monotonic=Monotonic()))
    try:
        assert again.run_once() == 0
        shown = frame(cache_dir)
        assert shown.size == (WIDTH, HEIGHT) and crop(shown, PANEL).getpixel((80, 50)) == (255, 220, 0)
        assert len(fake.seen("GET", "/media/")) == fetched
    finally:
        again.screen.close()


def test_a_corrupted_font_is_refused_and_the_old_playlist_stays(fake, cache_dir):
    _item, layout = publish_zoned(fake)
    fake.corrupt_once.add(layout["font"]["sha256"])
    player = Player(fake.url, "7", TOKEN, cache_dir, timeout=5, screen=Headless(cache_dir))
    try:
        assert player.poll_once() == "error" and player.playlist is None
        assert any("sha256 mismatch" in e for e in player.errors)
        assert player.poll_once() == "updated"
    finally:
        player.screen.close()


def test_a_layout_beyond_the_screen_is_refused(fake, cache_dir):
    _item, layout = publish_zoned(fake)
    layout["zones"][3]["y"] = 330  # the ticker would hang 30 px below the screen
    fake.publish(2, fake.playlist["items"], layout=layout)
    player = Player(fake.url, "7", TOKEN, cache_dir, timeout=5, screen=Headless(cache_dir))
    assert player.poll_once() == "error"
    assert any("goes beyond the layout" in e for e in player.errors)


def test_without_a_layout_the_frame_is_the_item_as_before(fake, cache_dir):
    main_item, _layout = publish_zoned(fake)
    fake.publish(2, [main_item], layout=None)
    player = Player(fake.url, "7", TOKEN, cache_dir, timeout=5, screen=Headless(cache_dir))
    assert player.run_once() == 0
    assert frame(cache_dir).size == (480, 300)


def test_frames_are_written_as_the_ticker_runs(fake, cache_dir):
    """Playing for real: the zones' thread rewrites current.png, the ticker band moves."""
    publish_zoned(fake)
    player = Player(fake.url, "7", TOKEN, cache_dir, timeout=5, screen=Headless(cache_dir, frame_rate=8))
    runner = threading.Thread(target=player.run_forever, daemon=True)
    runner.start()
    try:
        deadline = time.monotonic() + 20
        bands = []
        while time.monotonic() < deadline and len({b.tobytes() for b in bands}) < 3:
            try:
                bands.append(crop(frame(cache_dir), TICKER))
            except OSError:
                pass
            time.sleep(0.2)
        assert len({b.tobytes() for b in bands}) >= 3  # three different positions
    finally:
        player.stop.set()
        runner.join(10)
    assert not runner.is_alive() and not player.screen._ticker.is_alive()


def test_without_pillow_the_player_shows_the_main_zone_and_says_why(fake, cache_dir, tmp_path):
    main_item, _layout = publish_zoned(fake)
    log_file = tmp_path / "player.log"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = (
        "import sys, runpy; sys.modules['PIL'] = None; "  # as on a box without Pillow
        "sys.argv = ['player'] + sys.argv[1:]; runpy.run_module('player', run_name='__main__')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "--server", fake.url, "--board", "7", "--token", TOKEN]
        + ["--cache", str(cache_dir), "--once", "--log", str(log_file)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (cache_dir / "current.png").read_bytes() == fake.files[main_item["sha256"]]  # the item, as is
    said = log_file.read_text("utf-8")
    assert said.count("Pillow chưa được cài, chỉ hiện vùng nội dung chính") == 1


def test_display_mode_shows_the_moving_zones_on_an_x_screen(fake, cache_dir):
    """`--display` with a zoned screen: one feh shows current.png as it is rewritten; the X
    screen itself (read back with ImageMagick's import) shows the ticker moving."""
    import shutil

    if not (shutil.which("Xvfb") and shutil.which("feh")):
        pytest.fail("Xvfb and feh are needed for the display test: `make test` installs them")
    publish_zoned(fake)
    display = f":{80 + os.getpid() % 9}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", f"{WIDTH}x{HEIGHT}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    saved = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = display
    screen = None
    try:
        time.sleep(1)
        screen = Display(cache_dir, frame_rate=4)
        player = Player(fake.url, "7", TOKEN, cache_dir, timeout=5, screen=screen)
        assert player.run_once() == 0
        player.show(player.next_item())  # the same item again: the same viewer stays
        viewers = subprocess.run(["pgrep", "-f", f"feh --fullscreen.*{cache_dir}"], capture_output=True, text=True)
        assert len(viewers.stdout.split()) == 1
        deadline = time.monotonic() + 20
        seen = set()
        while time.monotonic() < deadline and len(seen) < 2:
            grabbed = grab_x_display()
            assert grabbed, "the X screen cannot be read back (Pillow with XCB or ImageMagick)"
            with Image.open(io.BytesIO(grabbed)) as picture:
                seen.add(crop(picture.convert("RGB"), TICKER).tobytes())
            time.sleep(0.5)
        assert len(seen) >= 2, "the ticker did not move on the X screen"
    finally:
        if screen is not None:
            screen.close()
        xvfb.terminate()
        xvfb.wait(timeout=20)
        if saved is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = saved


def test_a_new_version_with_the_same_ticker_lets_the_text_run_on(zoned, fake, cache_dir):
    player, screen, _clock, monotonic, layout = zoned
    monotonic.now += 2.0
    screen.render()
    before = frame(cache_dir)
    # Version 2: a new panel, the same ticker: the text stays where it was.
    layout["zones"][2].update(fake.add_file(two_tone(PANEL[2:], (255, 255, 255), (0, 0, 0))))
    fake.publish(2, fake.playlist["items"], layout=layout)
    assert player.poll_once() == "updated"
    after = frame(cache_dir)
    assert crop(after, PANEL).getpixel((80, 50)) == (255, 255, 255)
    assert not differs(crop(after, TICKER), crop(before, TICKER))
    # Version 3: a new ticker text: it comes in at the right edge again.
    layout["zones"][3]["text"] = "Thông báo lịch tiếp công dân tháng 12"
    fake.publish(3, fake.playlist["items"], layout=layout)
    assert player.poll_once() == "updated"
    assert colours(crop(frame(cache_dir), TICKER)) == {RED}
