"""boards/ticker.py (the scrolling line as pixels) and boards/video.encode_zoned_video (the
zoned playlist video with the ticker scrolling in it).

The videos are decoded with PyAV at their exact size and looked at as a viewer would: the
text moves left by speed / fps pixels a frame, the rest of the screen stays still, the panel
is where its zone is."""

import io
import math
import re

import av
import av.logging
import numpy as np
import pytest
from PIL import Image, ImageDraw

from boards import ticker, video
from boards.rendering import get_font, has_glyph, load_theme
from boards.video import TickerVideo, encode_zoned_video, probe, timeline

FONT = load_theme("default").fonts["bold"]
FPS = 25
WHITE, RED, NAVY = (255, 255, 255), (179, 22, 27), (10, 79, 149)
TEXT = "KHẨN CẤP: Bão số 9 đổ bộ, người dân neo đậu tàu thuyền • Lịch tiêm chủng vắc xin sởi – rubella"
SEPARATOR = "   •   "
VIETNAMESE = "ẶẴẪỖỸỮỞỰỆẤẦẨỲÝĐđƯươờỡợệẫẵấ"


def headline(width, height, colour, seed):
    """A main-zone picture with detail (a title-like band, shapes, grain), as a slide has."""
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, width, height // 4), fill=(250, 220, 60))
    draw.ellipse((width // 5, height // 3, width // 2, height * 9 // 10), fill=(240, 240, 240))
    draw.text((width // 2, height // 3), "Tin mới", fill=(0, 0, 0), font=get_font(FONT, max(8, height // 5)))
    pixels = np.asarray(img, np.int16) + rng.integers(-3, 4, (height, width, 3))
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8), "RGB")


def decode(data):
    """Every frame as RGB, and FFmpeg's complaints (warnings and worse)."""
    av.logging.set_level(av.logging.WARNING)
    try:
        with av.logging.Capture() as logs, av.open(io.BytesIO(data)) as container:
            frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    finally:
        av.logging.set_level(None)
    return frames, [line for line in logs if line[0] <= av.logging.WARNING]


def profile(band):
    """The band's column profile: mean luma of each column."""
    rgb = band.astype(np.float64)
    return (0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2]).mean(axis=0)


def measured_shift(before, after, most=40):
    """How many pixels the band's content moved left from `before` to `after`: the shift of
    the column profile with the highest normalised cross-correlation."""
    a, b = profile(before), profile(after)
    n = len(a)
    scores = []
    for s in range(most + 1):
        x, y = a[s:], b[: n - s]
        x, y = x - x.mean(), y - y.mean()
        scores.append(float((x * y).sum() / (np.sqrt((x * x).sum() * (y * y).sum()) + 1e-9)))
    return int(np.argmax(scores))


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b) ** 2)
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


def looks_like(decoded, picture):
    """PSNR (dB) of a decoded zone against the picture put there, both averaged over 4×4
    blocks: 4:2:0 chroma smears the sharp coloured edges of these small pictures by a pixel,
    which costs a raw PSNR far more than a viewer sees."""
    picture = np.asarray(picture)
    h, w = (picture.shape[0] // 4) * 4, (picture.shape[1] // 4) * 4
    shrink = lambda a: a[:h, :w].astype(np.float64).reshape(h // 4, 4, w // 4, 4, 3).mean(axis=(1, 3))  # noqa: E731
    return psnr(shrink(decoded), shrink(picture))


def ink_rows(image, background):
    """Indices of the rows of an RGB array that hold anything but the background."""
    diff = np.abs(np.asarray(image, np.int16) - np.array(background, np.int16)).max(axis=2)
    return np.nonzero(diff.max(axis=1) > 0)[0]


# --- font_size and strip -----------------------------------------------------------------------


@pytest.mark.parametrize("band", [12, 24, 32, 64, 80, 120])
def test_font_size_is_the_largest_whose_vietnamese_ink_fits_the_band(band):
    size = ticker.font_size(FONT, band)
    margin = max(1, round(ticker.MARGIN * band))

    def ink(px):
        _x0, y0, _x1, y1 = get_font(FONT, px).getbbox(probe, anchor="ls")
        return y1 - y0

    probe = "ẶỖg"
    assert ink(size) + 2 * margin <= band
    probe = ticker.SIZE_PROBE  # what font_size measures: the worst case, "ẶỖg" and more
    assert ink(size) + 2 * margin <= band < ink(size + 1) + 2 * margin
    assert size >= 0.45 * band  # the capitals are large enough to read, not shrunk for nothing


def test_font_size_has_a_floor_and_refuses_a_bad_band():
    assert ticker.font_size(FONT, 4) == 6
    for bad in (0, -3, 12.5, True, "32"):
        with pytest.raises(ValueError, match="Chiều cao dòng chữ chạy"):
            ticker.font_size(FONT, bad)


@pytest.mark.parametrize("band", [32, 64, 80])
def test_strip_is_one_period_of_text_and_separator_centred_by_ink_inside_the_band(band):
    size = ticker.font_size(FONT, band)
    image = ticker.strip(TEXT, SEPARATOR, band, FONT, size, "#FFFFFF", "#B3161B")
    assert image.mode == "RGB" and image.height == band
    assert image.width == math.ceil(get_font(FONT, size).getlength(TEXT + SEPARATOR))
    rows = ink_rows(image, RED)
    top, bottom = rows[0], band - 1 - rows[-1]  # untouched rows above and below the ink
    assert top >= 1 and bottom >= 1  # the ink stays inside the band, with air
    assert abs(top - bottom) <= 1  # centred by ink
    # The separator's gap is kept: the period ends with background columns (its spaces).
    tail = np.asarray(image)[:, -size // 2 :]
    assert (tail == RED).all()


def test_text_is_normalised_as_the_slides_are():
    size = ticker.font_size(FONT, 32)
    decomposed = "Thông  báo\n\tlịch  tiêm".replace("ô", "o\u0302").replace("ị", "i\u0323")
    a = ticker.strip(decomposed + "\u00ad\u200b", " • ", 32, FONT, size, WHITE, NAVY)
    b = ticker.strip("Thông báo lịch tiêm", " • ", 32, FONT, size, WHITE, NAVY)
    assert np.array_equal(np.asarray(a), np.asarray(b))


def test_crisp_gives_only_the_two_colours_and_smooth_gives_in_between_shades():
    size = ticker.font_size(FONT, 32)
    crisp = np.asarray(ticker.strip(TEXT, SEPARATOR, 32, FONT, size, "#FFFFFF", "#B3161B", crisp=True))
    colours = {tuple(c) for c in crisp.reshape(-1, 3)}
    assert colours == {WHITE, RED}
    smooth = np.asarray(ticker.strip(TEXT, SEPARATOR, 32, FONT, size, "#FFFFFF", "#B3161B"))
    assert len({tuple(c) for c in smooth.reshape(-1, 3)}) > 10


@pytest.mark.parametrize("text", ["", "   \n\t ", "\u200b\u00ad", "😀🎉"])
def test_empty_text_is_refused_in_vietnamese(text):
    with pytest.raises(ValueError, match="Dòng chữ chạy trống"):
        ticker.strip(text, SEPARATOR, 32, FONT, 18, WHITE, RED)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"font_px": 3}, "Cỡ chữ"),
        ({"font_px": 18.5}, "Cỡ chữ"),
        ({"band_height": 0}, "Chiều cao"),
        ({"colour": "trắng"}, "Màu chữ"),
        ({"colour": (300, 0, 0)}, "Màu chữ"),
        ({"background": (1, 2)}, "Màu nền"),
        ({"text": 12345}, "phải là văn bản"),
        ({"text": "Bão số 9 " * 6000}, "quá dài (tối đa 50.000 ký tự)"),
        ({"text": "Bão số 9 " * 5000, "font_px": 60}, "điểm ảnh ở cỡ chữ 60, tối đa 200.000)"),
    ],
)
def test_bad_arguments_are_refused_in_vietnamese(kwargs, words):
    args = {"text": TEXT, "band_height": 32, "font_px": 18, "colour": WHITE, "background": RED, **kwargs}
    with pytest.raises(ValueError, match=re.escape(words)):
        ticker.strip(
            args["text"], SEPARATOR, args["band_height"], FONT, args["font_px"], args["colour"], args["background"]
        )


def test_vietnamese_letters_are_drawn_with_their_own_glyphs_not_missing_boxes():
    size = 40
    font = get_font(FONT, size)
    missing = font.getmask("\ue000", mode="1")  # the .notdef box the font would draw
    for ch in VIETNAMESE:
        assert has_glyph(FONT, ch), ch
        image = ticker.strip(ch, " ", 64, FONT, size, WHITE, (0, 0, 0), crisp=True)
        ink = (np.asarray(image)[..., 0] > 0).sum()
        glyph = font.getmask(ch, mode="1")
        assert ink == sum(1 for v in bytes(glyph) if v), ch  # exactly that glyph's pixels
        assert (glyph.size, bytes(glyph)) != (missing.size, bytes(missing)), ch
    # Stacked marks are not clipped: Ặ is taller than A by its breve and its dot.
    tall = ink_rows(ticker.strip("Ặ", " ", 64, FONT, size, WHITE, (0, 0, 0)), (0, 0, 0))
    plain = ink_rows(ticker.strip("A", " ", 64, FONT, size, WHITE, (0, 0, 0)), (0, 0, 0))
    assert len(tall) > len(plain) * 1.4


def test_characters_the_font_lacks_are_left_out_not_boxed():
    size = ticker.font_size(FONT, 32)
    with_emoji = ticker.strip("Mưa 🌧 lớn", SEPARATOR, 32, FONT, size, WHITE, RED)
    without = ticker.strip("Mưa lớn", SEPARATOR, 32, FONT, size, WHITE, RED)
    assert np.array_equal(np.asarray(with_emoji), np.asarray(without))


def test_a_glyph_reaching_past_the_period_wraps_round_to_the_other_end():
    # "j" reaches left of its origin; with no separator the loop's seam cuts through it.
    size = 40
    font = get_font(FONT, size)
    assert font.getbbox("j", anchor="ls")[0] < 0
    image = np.asarray(ticker.strip("jo", "", 64, FONT, size, WHITE, (0, 0, 0)))
    period = image.shape[1]
    # Drawn on a canvas three periods wide, the middle period is what the loop shows.
    wide = Image.new("RGB", (3 * period, 64), (0, 0, 0))
    draw = ImageDraw.Draw(wide)
    _x0, y0, _x1, y1 = font.getbbox("jo", anchor="ls")
    for k in range(3):
        draw.text((k * period, (64 - (y1 - y0)) // 2 - y0), "jo", font=font, fill=WHITE, anchor="ls")
    assert np.array_equal(image, np.asarray(wide)[:, period : 2 * period])
    assert (image[:, -3:] > 0).any()  # the j's tail, left of its origin, shows at the end


# --- frame_at ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def led_strip():
    return ticker.strip(TEXT, SEPARATOR, 32, FONT, ticker.font_size(FONT, 32), "#FFFFFF", "#B3161B", crisp=True)


def test_frame_at_shows_the_strip_from_the_offset_right_to_left(led_strip):
    strip = np.asarray(led_strip)
    period = strip.shape[1]
    at0 = np.asarray(ticker.frame_at(led_strip, 192, 0))
    assert at0.shape == (32, 192, 3)
    assert np.array_equal(at0, strip[:, :192])  # the text begins at the left edge
    at7 = np.asarray(ticker.frame_at(led_strip, 192, 7))
    assert np.array_equal(at7[:, :-7], at0[:, 7:])  # moved 7 px to the left
    assert np.array_equal(np.asarray(ticker.frame_at(led_strip, 192, 7.9)), at7)  # whole pixels
    assert np.array_equal(np.asarray(ticker.frame_at(led_strip, 192, 7 + 3 * period)), at7)
    # Near the end of the period the beginning follows: the loop has no gap.
    tail = np.asarray(ticker.frame_at(led_strip, 192, period - 50))
    assert np.array_equal(tail[:, :50], strip[:, -50:]) and np.array_equal(tail[:, 50:], strip[:, :142])
    assert np.array_equal(np.asarray(ticker.frame_at(led_strip, 192, -1))[:, 0], strip[:, -1])


def test_a_band_wider_than_the_strip_repeats_it():
    short = ticker.strip("Xin chào", " • ", 32, FONT, 18, WHITE, RED)
    period = short.width
    band = np.asarray(ticker.frame_at(short, 3 * period + 5, 0))
    strip = np.asarray(short)
    for k in range(3):
        assert np.array_equal(band[:, k * period : (k + 1) * period], strip)
    assert np.array_equal(band[:, 3 * period :], strip[:, :5])


def test_frame_at_refuses_a_bad_width_or_offset(led_strip):
    with pytest.raises(ValueError, match="Chiều rộng vùng chữ chạy"):
        ticker.frame_at(led_strip, 0, 0)
    with pytest.raises(ValueError, match="Vị trí cuộn"):
        ticker.frame_at(led_strip, 192, float("nan"))


# --- the zoned video ---------------------------------------------------------------------------


LAYOUTS = {
    # LED 192×96: headline 192×64 over a 32 px ticker, crisp text, 1.6 px a frame.
    "led": dict(size=(192, 96), main=(0, 0, 192, 64), band=(0, 64, 192, 32), speed=40, crisp=True),
    # 384×192: 384×128 over 384×64, 4.8 px a frame.
    "wide": dict(size=(384, 192), main=(0, 0, 384, 128), band=(0, 128, 384, 64), speed=120, crisp=False),
}


@pytest.fixture(scope="module", params=sorted(LAYOUTS))
def scrolling(request):
    """Two 1.2 s headlines (30 frames each, 12 of them fading) under a scrolling ticker."""
    spec = LAYOUTS[request.param]
    width, height = spec["size"]
    _x, _y, mw, mh = spec["main"]
    band_h = spec["band"][3]
    strip = ticker.strip(
        TEXT, SEPARATOR, band_h, FONT, ticker.font_size(FONT, band_h), "#FFFFFF", "#B3161B", crisp=spec["crisp"]
    )
    slides = [(headline(mw, mh, NAVY, 1), 1.2), (headline(mw, mh, (20, 110, 60), 2), 1.2)]
    line = TickerVideo(spec["band"], strip, spec["speed"])
    data = encode_zoned_video(width, height, slides, spec["main"], ticker=line)
    frames, bad = decode(data)
    return spec, slides, strip, data, frames, bad


def test_the_video_is_h264_at_the_exact_size_and_lasts_the_slides(scrolling):
    spec, _slides, _strip, data, frames, bad = scrolling
    info = probe(data)
    assert (info["codec"], info["pix_fmt"]) == ("h264", "yuv420p")
    assert (info["width"], info["height"]) == spec["size"]
    assert frames[0].shape == (spec["size"][1], spec["size"][0], 3)
    assert len(frames) == info["frames"] == 60
    assert info["duration"] == pytest.approx(2.4, abs=1e-6)
    assert info["keyframes"] == [0, 30]  # each slide still starts with a keyframe
    assert bad == []


def test_the_text_moves_left_by_speed_over_fps_each_frame_across_slide_changes(scrolling):
    spec, _slides, _strip, _data, frames, _bad = scrolling
    x, y, w, h = spec["band"]
    step = spec["speed"] / FPS
    for n in range(len(frames) - 1):
        expected = math.floor((n + 1) * step) - math.floor(n * step)
        got = measured_shift(frames[n][y : y + h, x : x + w], frames[n + 1][y : y + h, x : x + w])
        assert abs(got - expected) <= 1, (n, got, expected)
    # Over the whole video, from the first frame to the last: the offset never restarted.
    total = math.floor((len(frames) - 1) * step)
    band = slice(y, y + h), slice(x, x + w)
    assert abs(measured_shift(frames[0][band], frames[-1][band], most=total + 5) - total) <= 1


def test_the_band_shows_the_strip_at_its_offset(scrolling, request):
    spec, _slides, strip, _data, frames, _bad = scrolling
    x, y, w, h = spec["band"]
    step = spec["speed"] / FPS
    for n in (0, 17, 29, 30, 59):
        expected = np.asarray(ticker.frame_at(strip, w, n * step))
        assert psnr(frames[n][y : y + h, x : x + w], expected) > 24, n


def test_the_headline_stays_still_and_nothing_outside_the_band_moves(scrolling):
    spec, slides, _strip, _data, frames, _bad = scrolling
    x, y, w, h = spec["band"]
    mx, my, mw, mh = spec["main"]
    spans = timeline([d for _, d in slides])
    for span, (image, _) in zip(spans, slides):
        still = range(span.start + 1, span.start + span.still)
        for n in still:
            main_before = frames[n - 1][my : my + mh, mx : mx + mw].astype(np.int16)
            main_now = frames[n][my : my + mh, mx : mx + mw].astype(np.int16)
            assert np.abs(main_now - main_before).mean() < 0.5, n
        assert looks_like(frames[span.start + span.still // 2][my : my + mh, mx : mx + mw], image) > 32
    # Where anything changed from one still frame to the next, clearly, once x264 has settled
    # the slide's picture (its first P frames still touch up a few pixels of the keyframe):
    # only inside the band.
    changed = np.zeros(frames[0].shape[:2], bool)
    for span in spans:
        for n in range(span.start + video.SETTLE_FRAMES, span.start + span.still):
            changed |= np.abs(frames[n].astype(np.int16) - frames[n - 1]).max(axis=2) > 24
    rows, cols = np.nonzero(changed)
    assert len(rows) > 0
    assert rows.min() >= y and rows.max() < y + h  # the extent of the motion is the band
    assert cols.min() >= x and cols.max() < x + w


def test_the_text_ink_stays_inside_the_band(scrolling):
    spec, _slides, strip, _data, frames, _bad = scrolling
    x, y, w, h = spec["band"]
    red = np.array(RED, np.int16)
    for n in (0, 10, 45):
        band = frames[n][y : y + h, x : x + w].astype(np.int16)
        # The band's first and last rows are its background all along: no ink touches them.
        assert np.abs(band[0] - red).max() < 40 and np.abs(band[-1] - red).max() < 40, n
        # And it has text in it: white ink in its middle rows.
        assert (band[h // 4 : 3 * h // 4].min(axis=2) > 200).any(), n
    rows = ink_rows(strip, RED)
    assert rows[0] > 0 and rows[-1] < h - 1


def test_same_inputs_give_the_same_pictures(scrolling):
    """The scrolling encoder is not bit-exact: in the whole suite two encodes of the same
    inputs in a row have differed by a few bytes of x264's output (the YUV frames given to x264
    were identical; not reproduced outside the suite; docs/architecture.md). What a player
    shows must not differ."""
    spec, slides, strip, _data, frames, _bad = scrolling
    line = TickerVideo(spec["band"], strip, spec["speed"])
    again, _ = decode(encode_zoned_video(*spec["size"], list(slides), spec["main"], ticker=line))
    assert len(again) == len(frames)
    assert min(psnr(a, b) for a, b in zip(again, frames)) > 40


def panel_picture(width, height):
    """A side panel: a QR-like block of squares on white, with a coloured title band."""
    img = Image.new("RGB", (width, height), (250, 250, 250))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, width, height // 8), fill=(200, 30, 40))
    cell = width // 12
    rng = np.random.default_rng(7)
    for i in range(8):
        for j in range(8):
            if rng.integers(0, 2):
                x0, y0 = 2 * cell + i * cell, height // 4 + j * cell
                draw.rectangle((x0, y0, x0 + cell - 1, y0 + cell - 1), fill=(0, 0, 0))
    return img


def test_full_hd_with_a_side_panel_puts_the_panel_at_its_rect():
    main, panel_rect, band = (0, 0, 1440, 1000), (1440, 0, 480, 1080), (0, 1000, 1440, 80)
    panel = panel_picture(480, 1080)
    strip = ticker.strip(TEXT, SEPARATOR, 80, FONT, ticker.font_size(FONT, 80), "#FFFFFF", "#0A4F95")
    slides = [(headline(1440, 1000, NAVY, 3), 0.6), (headline(1440, 1000, RED, 4), 0.6)]
    data = encode_zoned_video(1920, 1080, slides, main, layers=[(panel, 1440, 0)], ticker=TickerVideo(band, strip, 120))
    frames, bad = decode(data)
    assert bad == [] and len(frames) == 30 and frames[0].shape == (1080, 1920, 3)
    px, py, pw, ph = panel_rect
    for n in (0, 14, 29):
        assert psnr(frames[n][py : py + ph, px : px + pw], np.asarray(panel)) > 32, n
    # Its red title band begins at the zone's left edge (the headline's yellow band beside it)
    # and ends where the panel's does.
    frame = frames[20].astype(np.int16)
    assert np.abs(frame[4 : ph // 8 - 4, px : px + pw] - (200, 30, 40)).mean() < 6
    assert np.abs(frame[4:100, px - 1] - (250, 220, 60)).mean() < 12
    assert frame[ph // 8 + 4, px : px + pw].min() > 220
    # The ticker scrolls under the main zone only, not under the panel.
    assert measured_shift(frames[0][1000:1080, :1440], frames[1][1000:1080, :1440]) in (4, 5, 6)


def test_without_a_ticker_the_still_frames_are_exact_copies():
    main = (0, 0, 160, 96)
    side = Image.new("RGB", (32, 64), (250, 200, 0))
    slides = [(headline(160, 96, NAVY, 5), 1.0), (headline(160, 96, RED, 6), 1.0)]
    data = encode_zoned_video(192, 96, slides, main, layers=[(side, 160, 0)], background="#102030")
    frames, bad = decode(data)
    assert bad == [] and len(frames) == 50
    assert probe(data)["keyframes"] == [0, 25]
    for n in range(9, 13):  # past x264's first frames: copy frames of the same picture
        assert np.array_equal(frames[n], frames[8])
    assert np.abs(frames[8][10:50, 170].astype(np.int16) - (250, 200, 0)).max() < 12  # the layer
    assert np.abs(frames[8][85:94, 170].astype(np.int16) - (0x10, 0x20, 0x30)).max() < 12  # background
    assert looks_like(frames[8][:, :160], slides[0][0]) > 32


def test_a_ticker_alone_lasts_whole_loops_of_at_least_ten_seconds():
    strip = ticker.strip("Chào mừng năm mới", SEPARATOR, 32, FONT, 18, WHITE, RED, crisp=True)
    period = strip.width
    data = encode_zoned_video(192, 96, [], (0, 0, 192, 64), ticker=TickerVideo((0, 64, 192, 32), strip, 40))
    loops = math.ceil(10 / (period / 40))
    info = probe(data)
    assert info["frames"] == round(loops * period / 40 * FPS)
    assert info["duration"] >= 10
    assert info["keyframes"] == [0]
    frames, bad = decode(data)
    assert bad == []
    last = math.floor((len(frames) - 1) * 40 / FPS)
    assert psnr(frames[-1][64:], np.asarray(ticker.frame_at(strip, 192, last))) > 24
    # The loop closes: one frame after the last, the band is back where it started.
    assert abs(math.floor(len(frames) * 40 / FPS) - loops * period) <= 40 / FPS


def test_a_ticker_alone_too_long_for_one_video_is_cut_at_the_maximum(monkeypatch):
    monkeypatch.setattr(video, "MAX_LOOP_SECONDS", 3)
    strip = ticker.strip(TEXT, SEPARATOR, 32, FONT, 18, WHITE, RED, crisp=True)
    assert strip.width / 40 > 3  # one loop lasts longer than the maximum
    data = encode_zoned_video(192, 96, [], (0, 0, 192, 64), ticker=TickerVideo((0, 64, 192, 32), strip, 40))
    assert probe(data)["frames"] == 3 * FPS


def test_odd_band_edges_and_an_odd_canvas_are_coded_too():
    # 193×97: main 193×65, band 193×32 at y = 65 (odd), reaching the padded column and row.
    strip = ticker.strip(TEXT, SEPARATOR, 32, FONT, 18, WHITE, RED, crisp=True)
    slides = [(headline(193, 65, NAVY, 8), 0.8), (headline(193, 65, (20, 110, 60), 9), 0.8)]
    band = (0, 65, 193, 32)
    data = encode_zoned_video(193, 97, slides, (0, 0, 193, 65), ticker=TickerVideo(band, strip, 40))
    info = probe(data)
    assert (info["width"], info["height"]) == (194, 98)  # 4:2:0: padded to even sizes
    frames, bad = decode(data)
    assert bad == [] and len(frames) == 40
    for n in (0, 5, 25):
        expected = np.asarray(ticker.frame_at(strip, 193, math.floor(n * 40 / FPS)))
        assert psnr(frames[n][65:97, :193], expected) > 22, n
        assert np.abs(frames[n][97, :193].astype(np.int16) - frames[n][96, :193]).max() < 40  # padding row
    assert measured_shift(frames[3][65:97, :193], frames[4][65:97, :193]) in (1, 2, 3)
    still = np.abs(frames[4][:64].astype(np.int16) - frames[3][:64]).mean()
    assert still < 0.5
    # Row 64 shares its chroma with the band's first row (4:2:0): compare the rows above it.
    assert looks_like(frames[3][:64, :193], np.asarray(slides[0][0])[:64]) > 32


@pytest.mark.parametrize(
    "size, rect",
    [
        ((192, 96), (0, 64, 192, 32)),  # even edges: the loop's YUV computed once, two chroma phases
        ((192, 96), (20, 40, 100, 32)),  # even edges inside the canvas
        ((193, 97), (3, 65, 190, 32)),  # odd edges and canvas: the band's region converted per frame
    ],
)
def test_the_band_written_into_the_yuv_frame_is_the_frame_at_that_offset_converted(size, rect):
    """The encoder's shortcut (slices of the strip's precomputed YUV) gives the same picture as
    drawing frame_at into the canvas and converting it all: luma exactly, chroma exactly inside
    the band (its edge rows and columns of 2×2 chroma blocks are converted apart from the
    neighbouring zone, so they do not bleed into it: those may differ)."""
    width, height = size
    x, y, w, h = rect
    strip = ticker.strip(TEXT, SEPARATOR, h, FONT, 18, WHITE, RED)
    canvas = np.asarray(headline(width, height, NAVY, 3))
    band = video._Band(TickerVideo(rect, strip, 40), width, height, [canvas])
    pw, ph = width + width % 2, height + height % 2
    for offset in [*range(9), 101, strip.width - 3, strip.width + 7]:
        work = video._to_yuv(canvas, width, height)
        band.write(video._yuv_planes(work, pw, ph), offset, 0, 0, 0.0)
        drawn = Image.fromarray(canvas.copy())
        drawn.paste(ticker.frame_at(strip, w, offset), (x, y))
        expected = video._to_yuv(np.asarray(drawn), width, height)
        got_y, got_u, got_v = video._yuv_planes(work, pw, ph)
        exp_y, exp_u, exp_v = video._yuv_planes(expected, pw, ph)
        assert np.array_equal(got_y, exp_y), offset
        inside = slice(y // 2 + 1, (y + h) // 2 - 1), slice(x // 2 + 1, (x + w) // 2 - 1)
        assert np.array_equal(got_u[inside], exp_u[inside]), offset
        assert np.array_equal(got_v[inside], exp_v[inside]), offset


def band_strip(h=32):
    return ticker.strip("Thông báo", " • ", h, FONT, 18, WHITE, RED)


@pytest.mark.parametrize(
    "call, words",
    [
        (
            lambda: encode_zoned_video(192, 96, [(headline(192, 96, NAVY, 0), 1)], (0, 0, 192, 64)),
            "vùng nội dung chính 192×64",
        ),
        (lambda: encode_zoned_video(192, 96, [], (0, 0, 192, 64)), "không có gì để chiếu"),
        (lambda: encode_zoned_video(192, 96, [], (0, 40, 192, 64)), "nằm trọn trong khung hình 192×96"),
        (lambda: encode_zoned_video(192, 96, [], (0, 0, 192.0, 64)), "nội dung chính"),
        (
            lambda: encode_zoned_video(
                192, 96, [], (0, 0, 192, 64), ticker=TickerVideo((0, 70, 192, 32), band_strip(), 40)
            ),
            "Vùng chữ chạy",
        ),
        (
            lambda: encode_zoned_video(
                192, 96, [], (0, 0, 192, 64), ticker=TickerVideo((0, 64, 192, 32), band_strip(30), 40)
            ),
            "cao đúng 32",
        ),
        (
            lambda: encode_zoned_video(
                192, 96, [], (0, 0, 192, 64), ticker=TickerVideo((0, 64, 192, 32), band_strip(), 0)
            ),
            "Tốc độ chữ chạy",
        ),
        (
            lambda: encode_zoned_video(192, 96, [], (0, 0, 192, 64), ticker=("Thông báo", 40)),
            "TickerVideo",
        ),
        (
            lambda: encode_zoned_video(
                192,
                96,
                [(headline(160, 96, NAVY, 0), 1)],
                (0, 0, 160, 96),
                layers=[(Image.new("RGB", (40, 96)), 160, 0)],
            ),
            "lớp ảnh 1",
        ),
        (
            lambda: encode_zoned_video(
                192, 96, [(headline(160, 96, NAVY, 0), 1)], (0, 0, 160, 96), layers=[("panel.png", 160, 0)]
            ),
            "Lớp ảnh 1 phải là ảnh PIL",
        ),
        (
            lambda: encode_zoned_video(192, 96, [(headline(192, 96, NAVY, 0), 1)], (0, 0, 192, 96), background="xanh"),
            "Màu nền",
        ),
        (lambda: encode_zoned_video(192, 96, [(headline(192, 96, NAVY, 0), 0)], (0, 0, 192, 96)), "Thời lượng"),
        (lambda: encode_zoned_video(50, 96, [], (0, 0, 50, 64)), "từ 64 đến 7680"),
    ],
)
def test_bad_input_raises_value_error_in_vietnamese(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert words.lower() in str(info.value).lower()
