"""boards/video.py: slides → H.264 MP4, and its probe.

Small boards (192×96, 320×240) and short slides keep this quick; one test runs at 1080p."""

import hashlib
import io

import av
import av.logging
import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from boards import video
from boards.video import SlideSpan, encode_playlist_video, probe, timeline

RED, GREEN, BLUE, WHITE = (220, 30, 30), (30, 200, 40), (30, 40, 220), (240, 240, 240)
FPS = 25


def slide(colour, width=320, height=240, text="Thông báo"):
    """A solid slide with a contrasting box and some text (most of it stays the colour)."""
    img = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(img)
    ink = tuple(255 - c for c in colour)
    draw.rectangle((width // 10, height // 10, width // 4, height // 4), fill=ink)
    draw.ellipse((width * 3 // 4, height * 3 // 4, width * 9 // 10, height * 9 // 10), outline=ink, width=2)
    draw.text((width // 3, height // 10), text, fill=ink)
    return img


def noisy(colour, width=320, height=240, seed=0):
    """An RGB array with grain, so x264 has detail to refine and copy frames something to copy."""
    rng = np.random.default_rng(seed)
    base = np.asarray(slide(colour, width, height), np.int16)
    return (base + rng.integers(-25, 26, base.shape)).clip(0, 255).astype(np.uint8)


def decode(data, keep=None):
    """The decoded frames as RGB (all, or a dict of those in `keep`), and FFmpeg's log lines
    (debug level included) that say something went wrong."""
    av.logging.set_level(av.logging.DEBUG)
    try:
        with av.logging.Capture() as logs, av.open(io.BytesIO(data)) as container:
            if keep is None:
                frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
            else:
                frames = {"count": 0}
                for i, f in enumerate(container.decode(video=0)):
                    frames["count"] = i + 1
                    if i in keep:
                        frames[i] = f.to_ndarray(format="rgb24")
    finally:
        av.logging.set_level(None)
    bad = [
        line for line in logs if line[0] <= av.logging.WARNING or "gap" in line[2].lower() or "error" in line[2].lower()
    ]
    return frames, bad


def mean_rgb(frame):
    return frame.reshape(-1, 3).mean(axis=0)


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b) ** 2)
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


@pytest.fixture(scope="module")
def four_slides():
    """Red 1 s, green 1.5 s, blue 0.4 s (too short to fade), white 2 s; and its MP4."""
    slides = [(slide(RED), 1), (slide(GREEN), 1.5), (slide(BLUE), 0.4), (slide(WHITE), 2)]
    return slides, encode_playlist_video(slides, 320, 240)


# --- timeline --------------------------------------------------------------------------------


def test_timeline_rounds_to_whole_frames_and_fades_where_it_can():
    spans = timeline([1, 1.5, 0.4, 2, 0.01], fps=25, fade_seconds=0.5)
    assert [s.frames for s in spans] == [25, 38, 10, 50, 1]  # round(37.5) = 38, at least one
    assert [s.start for s in spans] == [0, 25, 63, 73, 123]
    # 12 fade frames (round(12.5)); none out of a slide under 2 × 0.5 s, none after the last.
    assert [s.fade for s in spans] == [12, 12, 0, 12, 0]
    assert spans[0] == SlideSpan(start=0, frames=25, fade=12) and spans[0].still == 13


def test_timeline_single_slide_and_no_fade():
    assert timeline([8]) == [SlideSpan(0, 200, 0)]
    assert [s.fade for s in timeline([2, 2], fade_seconds=0)] == [0, 0]
    assert [s.frames for s in timeline([1, 1], fps=10, fade_seconds=0.2)] == [10, 10]


# --- the file ----------------------------------------------------------------------------------


def test_mp4_is_h264_yuv420p_at_the_given_size_and_rate(four_slides):
    slides, data = four_slides
    assert data[4:8] == b"ftyp"
    assert data.index(b"moov") < data.index(b"mdat")  # +faststart: playable while downloading
    info = probe(data, decode=True)
    assert info["codec"] == "h264"
    assert info["pix_fmt"] == "yuv420p"
    assert (info["width"], info["height"]) == (320, 240)
    assert info["fps"] == 25
    expected = sum(s.frames for s in timeline([d for _, d in slides]))
    assert expected == 25 + 38 + 10 + 50
    assert info["frames"] == info["decoded_frames"] == info["stream_frames"] == expected
    assert info["duration"] == pytest.approx(sum(d for _, d in slides), abs=1 / FPS)
    assert info["duration"] == pytest.approx(expected / FPS, abs=1e-6)
    assert "creation_time" not in info["metadata"]
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        assert stream.average_rate == 25
        assert stream.codec_context.colorspace == 1  # tagged BT.709, as converted


def test_a_keyframe_begins_every_slide_and_nowhere_else(four_slides):
    slides, data = four_slides
    starts = [s.start for s in timeline([d for _, d in slides])]
    assert probe(data)["keyframes"] == starts == [0, 25, 63, 73]


def test_opencv_reads_it_with_each_slide_in_its_colour(four_slides, tmp_path):
    slides, data = four_slides
    path = tmp_path / "playlist.mp4"
    path.write_bytes(data)
    capture = cv2.VideoCapture(str(path))
    assert capture.isOpened()
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(25)
    frames = []
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    capture.release()
    spans = timeline([d for _, d in slides])
    assert len(frames) == spans[-1].end
    assert frames[0].shape == (240, 320, 3)
    for (image, _), span in zip(slides, spans):
        middle = frames[span.start + span.still // 2]
        assert np.abs(mean_rgb(middle) - mean_rgb(np.asarray(image))).max() < 8
    red = mean_rgb(frames[spans[0].start + spans[0].still // 2])
    assert red[0] > 180 and red[1] < 70 and red[2] < 70  # reddish


def test_a_fade_frame_lies_between_the_two_slides(four_slides):
    slides, data = four_slides
    frames, _ = decode(data)
    spans = timeline([d for _, d in slides])
    red, green = mean_rgb(np.asarray(slides[0][0])), mean_rgb(np.asarray(slides[1][0]))
    fade = [mean_rgb(frames[i]) for i in range(spans[0].still, spans[0].end)]
    middle = fade[len(fade) // 2]  # weight 7/13 of green
    assert red[1] < middle[1] < green[1] and green[0] < middle[0] < red[0]
    assert np.abs(middle - (red * 6 / 13 + green * 7 / 13)).max() < 10
    reds = [f[0] for f in fade]
    assert reds == sorted(reds, reverse=True)  # monotonic: red fades out frame by frame
    # The blue slide is too short to fade: its last frame is still blue.
    assert np.abs(mean_rgb(frames[spans[2].end - 1]) - mean_rgb(np.asarray(slides[2][0]))).max() < 8


# --- copy frames ---------------------------------------------------------------------------------


def test_copy_frames_decode_to_the_exact_picture_without_decoder_complaints():
    slides = [(noisy(RED, seed=1), 2), (noisy(GREEN, seed=2), 1.2), (noisy(BLUE, seed=3), 2)]
    spans = timeline([d for _, d in slides])
    data = encode_playlist_video(slides, 320, 240)
    frames, bad = decode(data)
    assert bad == []  # no "Frame num gap", no concealment, no warnings
    assert len(frames) == spans[-1].end
    for span in spans:
        settled = frames[span.start + video.SETTLE_FRAMES - 1]
        for i in range(span.start + video.SETTLE_FRAMES, span.start + span.still):
            assert np.array_equal(frames[i], settled), i  # copies of x264's last picture
    # The same playlist with x264 coding every frame looks the same.
    plain = video._encode([f for f, _ in slides], spans, 320, 240, FPS, allow_copies=False)
    plain_frames, plain_bad = decode(plain)
    assert plain_bad == [] and len(plain_frames) == len(frames)
    for i in range(0, len(frames), 5):
        assert psnr(frames[i], plain_frames[i]) > 30, i


def test_x264_codes_only_the_start_of_each_still_part_and_the_fades(monkeypatch):
    coded, checks = [], []
    real_encode, real_check = video._Writer.encode, video._check_copy_frame

    def encode(self, frame, index, *args, **kwargs):
        coded.append(index)
        return real_encode(self, frame, index, *args, **kwargs)

    def check(*args):
        checks.append(args)
        return real_check(*args)

    monkeypatch.setattr(video._Writer, "encode", encode)
    monkeypatch.setattr(video, "_check_copy_frame", check)
    slides = [(noisy(RED, 192, 96), 2), (noisy(GREEN, 192, 96), 2)]
    spans = timeline([2, 2])  # 50 frames each, the first with 12 fade frames
    probe(encode_playlist_video(slides, 192, 96))
    settle = video.SETTLE_FRAMES
    assert coded == [*range(settle), *range(38, 50), *range(50, 50 + settle)]
    assert len(checks) == 1  # the first copy frame is decoded against the first IDR, once
    assert spans[-1].end == 100


def test_the_decoder_check_would_notice_a_wrong_frame_num(monkeypatch):
    monkeypatch.setattr(video._Renumber, "renumber", lambda self, data, frame_num: data)
    data = encode_playlist_video([(noisy(RED, 192, 96), 2), (noisy(GREEN, 192, 96), 2)], 192, 96)
    _frames, bad = decode(data)
    assert any("gap" in line[2].lower() for line in bad)


def test_slide_lengths_around_the_settle_and_fade_boundaries():
    settle = video.SETTLE_FRAMES
    durations = [1 / FPS, (settle + 1) / FPS, 1.0, 2 * settle / FPS, 0.04, 3.0, 1 / FPS]
    slides = [
        (noisy(c, 192, 96, seed=i), d)
        for i, (c, d) in enumerate(zip([RED, GREEN, BLUE, WHITE, RED, GREEN, BLUE], durations))
    ]
    spans = timeline(durations)
    data = encode_playlist_video(slides, 192, 96)
    info = probe(data, decode=True)
    assert info["frames"] == info["decoded_frames"] == spans[-1].end
    assert info["keyframes"] == [s.start for s in spans]
    frames, bad = decode(data)
    assert bad == []
    for (image, _), span in zip(slides, spans):
        first = frames[span.start]  # the IDR: that slide, whatever came before
        assert np.abs(mean_rgb(first) - mean_rgb(image)).max() < 12


def test_long_slides_renumber_past_the_frame_num_range():
    # 60 s slides: 1,500 frames each, far beyond what x264 itself codes of them.
    slides = [(noisy(RED, 192, 96), 60), (noisy(BLUE, 192, 96), 60)]
    data = encode_playlist_video(slides, 192, 96)
    info = probe(data)
    assert info["frames"] == 3000 and info["keyframes"] == [0, 1500]
    frames, bad = decode(data, keep={1000, 1400, 2999})
    assert bad == [] and frames["count"] == 3000
    assert np.array_equal(frames[1400], frames[1000])
    assert mean_rgb(frames[2999])[2] > 150


def test_a_copy_frame_that_fails_its_check_means_x264_codes_everything(monkeypatch):
    slides = [(noisy(RED, 192, 96), 1), (noisy(GREEN, 192, 96), 1)]
    spans = timeline([1, 1])
    plain = video._encode([f for f, _ in slides], spans, 192, 96, FPS, allow_copies=False)

    def fail(*args):
        raise video._CopyCheckFailed()

    monkeypatch.setattr(video, "_check_copy_frame", fail)
    assert encode_playlist_video(slides, 192, 96) == plain


def test_an_unexpected_stream_shape_means_x264_codes_everything(monkeypatch):
    slides = [(noisy(RED, 192, 96), 1), (noisy(GREEN, 192, 96), 1)]

    def unsupported(extradata):
        raise video._Unsupported("test")

    monkeypatch.setattr(video, "_parameter_sets", unsupported)
    data = encode_playlist_video(slides, 192, 96)
    info = probe(data)
    assert info["frames"] == 50 and info["keyframes"] == [0, 25]
    assert decode(data)[1] == []


def test_emulation_prevention_round_trip():
    rbsp = bytes([0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 7, 0, 0])
    escaped = video._escape(rbsp)
    assert b"\x00\x00\x00" not in escaped and b"\x00\x00\x01" not in escaped
    assert escaped.endswith(b"\x00\x00\x03")  # an RBSP ending in zeros gets a final 03
    assert video._unescape(escaped) == rbsp
    assert video._set_bits(b"\x00\xff", 6, 4, 0b1001) == bytes([0b00000010, 0b01111111])


# --- input ----------------------------------------------------------------------------------------


def test_odd_sizes_are_padded_with_the_edge_colour():
    img = np.zeros((97, 193, 3), np.uint8)
    img[:] = GREEN
    img[:, -1] = RED  # the last column: the padding repeats it
    data = encode_playlist_video([(img, 0.2)], 193, 97)
    info = probe(data)
    assert (info["width"], info["height"]) == (194, 98)  # 4:2:0 needs even sizes
    frames, bad = decode(data)
    assert bad == [] and len(frames) == 5
    assert mean_rgb(frames[2][:, -1:])[0] > 150  # the padding column is red too
    assert mean_rgb(frames[2][-1:, :100])[1] > 150  # the padding row repeats the green


def test_pil_images_of_other_modes_and_numpy_arrays_are_accepted():
    rgba = slide(RED, 192, 96).convert("RGBA")
    grey = Image.new("L", (192, 96), 200)
    array = np.asarray(slide(BLUE, 192, 96))
    data = encode_playlist_video([(rgba, 0.2), (grey, 0.2), (array, 0.2)], 192, 96)
    frames, _ = decode(data)
    assert len(frames) == 15
    assert mean_rgb(frames[2])[0] > 150
    assert np.abs(mean_rgb(frames[7]) - 200).max() < 8
    assert mean_rgb(frames[12])[2] > 150


def test_full_hd_encodes_at_its_size():
    slides = [(slide(RED, 1920, 1080), 0.6), (slide(BLUE, 1920, 1080), 0.6)]
    info = probe(encode_playlist_video(slides, 1920, 1080))
    assert (info["width"], info["height"], info["frames"]) == (1920, 1080, 30)
    assert info["keyframes"] == [0, 15]


def test_same_slides_give_the_same_bytes():
    slides = [(noisy(RED, 192, 96), 1.2), (slide(GREEN, 192, 96), 0.8)]
    first = encode_playlist_video(slides, 192, 96)
    second = encode_playlist_video(list(slides), 192, 96)
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: encode_playlist_video([], 192, 96), "trống"),
        (lambda: encode_playlist_video([(slide(RED, 200, 96), 1)], 192, 96), "kích thước 200×96"),
        (lambda: encode_playlist_video([(np.zeros((96, 100, 3), np.uint8), 1)], 192, 96), "kích thước 100×96"),
        (lambda: encode_playlist_video([(np.zeros((96, 192, 4), np.uint8), 1)], 192, 96), "RGB 8 bit"),
        (lambda: encode_playlist_video([(np.zeros((96, 192, 3), np.float32), 1)], 192, 96), "RGB 8 bit"),
        (lambda: encode_playlist_video([("slide.png", 1)], 192, 96), "ảnh PIL"),
        (lambda: encode_playlist_video([(slide(RED, 192, 96), 0)], 192, 96), "Thời lượng"),
        (
            lambda: encode_playlist_video([(slide(RED, 192, 96), 1), (slide(RED, 192, 96), -2)], 192, 96),
            "trang chiếu 2",
        ),
        (lambda: encode_playlist_video([(slide(RED, 192, 96), float("nan"))], 192, 96), "Thời lượng"),
        (lambda: encode_playlist_video([slide(RED, 192, 96)], 192, 96), "một cặp"),
        (lambda: encode_playlist_video([(slide(RED, 63, 96), 1)], 63, 96), "từ 64 đến 7680"),
        (lambda: encode_playlist_video([(slide(RED, 192, 96), 1)], 192, 7681), "từ 64 đến 7680"),
        (lambda: encode_playlist_video([(slide(RED, 192, 96), 1)], 192.0, 96), "từ 64 đến 7680"),
        (lambda: encode_playlist_video([(slide(RED, 192, 96), 1)], 192, 96, fps=0), "Tốc độ khung hình"),
        (lambda: encode_playlist_video([(slide(RED, 192, 96), 1)], 192, 96, fade_seconds=-1), "chuyển cảnh"),
    ],
)
def test_bad_input_raises_value_error_in_vietnamese(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert words.lower() in str(info.value).lower()
