"""audio: an editor's upload checked by content, and the broadcast copy at one loudness.

Every input is made here with PyAV into tmp_path (speech-like sound: syllables of a gliding
pitch through three formants, some with a fricative, in sentences with pauses; tones; silence;
pictures, texts and videos), never a committed binary. What is asserted is what an editor
sees: each format accepted with its decoded length, each refusal with its Vietnamese reason,
and a programme recorded quietly or mastered loud coming out at the target. No database."""

from fractions import Fraction

import av
import numpy as np
import pytest

from audio import AudioRejected, inspect, measure, normalise
from audio.errors import duration_vi, size_vi
from audio.loudness import lame_scale_db

RATE = 44_100


# --- inputs ---------------------------------------------------------------------------------


def speechlike(seconds, rate=RATE, seed=7):
    """Mono float64 speech-like sound, peaks at 1.0."""
    rng = np.random.default_rng(seed)
    bank = []
    for _ in range(24):
        dur = rng.uniform(0.12, 0.3)
        t = np.arange(int(dur * rate)) / rate
        f0 = rng.uniform(90, 220) * (1 + rng.uniform(-0.25, 0.25) * t / dur)
        phase = np.cumsum(2 * np.pi * f0 / rate)
        formants = rng.uniform([300, 900, 2200], [900, 2300, 3200])
        x = sum(
            (sum(np.exp(-0.5 * ((k * f0.mean() - f) / 120) ** 2) for f in formants) + 0.05) / k**0.5 * np.sin(k * phase)
            for k in range(1, int(5000 / f0.mean()))
        )
        if rng.random() < 0.4:
            spectrum = np.fft.rfft(rng.standard_normal(len(t)))
            freqs = np.fft.rfftfreq(len(t), 1 / rate)
            x = x + np.fft.irfft(spectrum * ((freqs > 2500) & (freqs < 8000)), len(t))
        bank.append(x * np.sin(np.pi * t / dur) ** 0.6)
    parts, n = [], 0
    while n < seconds * rate:
        gain = 10 ** (rng.uniform(-3, 3) / 20)
        for _ in range(rng.integers(3, 10)):
            parts += [bank[rng.integers(len(bank))] * gain, np.zeros(int(rng.uniform(0.02, 0.12) * rate))]
        parts.append(np.zeros(int(rng.uniform(0.25, 0.6) * rate)))
        n = sum(len(p) for p in parts)
    x = np.concatenate(parts)[: int(seconds * rate)]
    return x / np.abs(x).max()


def tone(seconds, rate=RATE, freq=440.0, peak=0.1):
    t = np.arange(round(seconds * rate)) / rate
    return peak * np.sin(2 * np.pi * freq * t)


def stereo(x):
    return np.stack([x, 0.9 * x])


def write(path, x, *, fmt, codec, rate=RATE, options=None, bit_rate=None):
    """x: (channels, samples) float → a file encoded by PyAV."""
    x = np.atleast_2d(x).astype(np.float32)
    layout = "mono" if x.shape[0] == 1 else "stereo"
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout, options=options or {})
        if bit_rate:
            stream.bit_rate = bit_rate
        pts = 0
        for i in range(0, x.shape[1], 4096):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(x[:, i : i + 4096]), format="fltp", layout=layout)
            frame.sample_rate, frame.pts = rate, pts
            pts += frame.samples
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def wav(path, x, rate=RATE, codec="pcm_s16le"):
    return write(path, x, fmt="wav", codec=codec, rate=rate)


def picture(codec, pix_fmt):
    """One still picture as a file's bytes (PNG, JPEG), encoded by PyAV."""
    context = av.CodecContext.create(codec, "w")
    context.width, context.height, context.pix_fmt = 32, 24, pix_fmt
    context.time_base = Fraction(1, 25)
    image = av.VideoFrame.from_ndarray(np.full((24, 32, 3), (200, 30, 30), np.uint8), format="rgb24")
    packets = context.encode(image.reformat(format=pix_fmt)) + context.encode(None)
    return b"".join(bytes(p) for p in packets)


def video(path, seconds, *, with_audio):
    with av.open(str(path), "w", format="mp4") as out:
        v = out.add_stream("mpeg4", rate=25)
        v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
        a = out.add_stream("aac", rate=RATE, layout="stereo") if with_audio else None
        for i in range(int(seconds * 25)):
            image = np.full((48, 64, 3), (i * 9) % 255, np.uint8)
            out.mux(v.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        out.mux(v.encode(None))
        if a is not None:
            x = stereo(tone(seconds)).astype(np.float32)
            frame = av.AudioFrame.from_ndarray(x, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = RATE, 0
            out.mux(a.encode(frame))
            out.mux(a.encode(None))
    return path


def mp3(path, x, rate=RATE):
    return write(path, x, fmt="mp3", codec="libmp3lame", rate=rate, bit_rate=128_000)


def rejection(path, **limits):
    with pytest.raises(AudioRejected) as caught:
        inspect(path, **limits)
    return caught.value


# --- accepted formats -------------------------------------------------------------------------

FORMATS = [
    # name, container, codec, rate, encoder options, FFmpeg's codec and demuxer names
    ("programme.mp3", "mp3", "libmp3lame", RATE, None, "mp3", "mp3"),
    ("programme.m4a", "mp4", "aac", RATE, None, "aac", "mov,mp4,m4a,3gp,3g2,mj2"),
    ("programme.wav", "wav", "pcm_s16le", RATE, None, "pcm_s16le", "wav"),
    ("programme.ogg", "ogg", "vorbis", RATE, {"strict": "experimental"}, "vorbis", "ogg"),
    ("programme.opus", "ogg", "libopus", 48_000, None, "opus", "ogg"),
    ("programme.webm", "webm", "libopus", 48_000, None, "opus", "matroska,webm"),
]


@pytest.mark.parametrize(("name", "fmt", "codec", "rate", "options", "codec_name", "format_name"), FORMATS)
def test_each_format_is_accepted_with_its_decoded_duration(
    tmp_path, name, fmt, codec, rate, options, codec_name, format_name
):
    seconds = 4.0
    path = write(
        tmp_path / name, stereo(0.3 * speechlike(seconds, rate)), fmt=fmt, codec=codec, rate=rate, options=options
    )
    info = inspect(path)
    assert info.duration_s == pytest.approx(seconds, abs=0.1)
    assert (info.codec, info.format_name, info.sample_rate, info.channels) == (codec_name, format_name, rate, 2)
    assert info.bytes == path.stat().st_size
    assert -40 < info.loudness_lufs < -10


def test_a_video_with_sound_gives_its_sound_track(tmp_path):
    info = inspect(video(tmp_path / "clip.mp4", 3, with_audio=True))
    assert info.codec == "aac"
    assert info.duration_s == pytest.approx(3, abs=0.1)


def test_mono_and_other_rates(tmp_path):
    info = inspect(mp3(tmp_path / "mono.mp3", 0.3 * speechlike(2, 22_050), rate=22_050))
    assert (info.channels, info.sample_rate) == (1, 22_050)
    assert info.duration_s == pytest.approx(2, abs=0.05)


# --- refused uploads: what the editor reads ----------------------------------------------------


def test_empty_file(tmp_path):
    (tmp_path / "empty.mp3").write_bytes(b"")
    err = rejection(tmp_path / "empty.mp3")
    assert err.code == "empty"
    assert err.message.startswith("Tệp rỗng")
    assert isinstance(err, ValueError) and str(err) == err.message


def test_too_big_says_the_limit(tmp_path):
    path = mp3(tmp_path / "big.mp3", stereo(0.3 * speechlike(3)))
    err = rejection(path, max_bytes=10 * 1024)
    assert err.code == "too_big"
    assert "Tệp quá lớn" in err.message and "tối đa 10 KB" in err.message
    assert size_vi(200 * 1024 * 1024) == "200 MB"  # the default limit, as the editor reads it


@pytest.mark.parametrize(
    "content",
    [
        "Thông báo của UBND xã: lịch tiêm chủng tháng 11.\n".encode() * 40,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + bytes(range(256)) * 8 + b"\n%%EOF\n",
        bytes(np.random.default_rng(1).integers(0, 256, 20_000, dtype=np.uint8)),
    ],
    ids=["text", "pdf", "random bytes"],
)
def test_not_audio_at_all(tmp_path, content):
    (tmp_path / "renamed.mp3").write_bytes(content)
    err = rejection(tmp_path / "renamed.mp3")
    assert err.code == "not_audio"
    assert "không phải âm thanh" in err.message


def test_a_playlist_naming_another_file_is_not_followed(tmp_path):
    """FFmpeg would open this as its concat demuxer and play the other file; the whitelist
    refuses it before it reads anything."""
    mp3(tmp_path / "other.mp3", stereo(0.3 * speechlike(3)))
    (tmp_path / "sneaky.mp3").write_text("ffconcat version 1.0\nfile other.mp3\n")
    assert rejection(tmp_path / "sneaky.mp3").code == "not_audio"


@pytest.mark.parametrize(("codec", "pix_fmt", "kind"), [("png", "rgb24", "PNG"), ("mjpeg", "yuvj420p", "JPEG")])
def test_a_picture_renamed(tmp_path, codec, pix_fmt, kind):
    (tmp_path / "photo.mp3").write_bytes(picture(codec, pix_fmt))
    err = rejection(tmp_path / "photo.mp3")
    assert err.code == "picture"
    assert "đây là ảnh, không phải âm thanh" in err.message and kind in err.message


def test_a_video_without_sound(tmp_path):
    err = rejection(video(tmp_path / "silent-film.mp4", 2, with_audio=False))
    assert err.code == "no_audio_track"
    assert "không có tiếng" in err.message


def test_a_truncated_mp3(tmp_path):
    whole = mp3(tmp_path / "whole.mp3", stereo(0.3 * speechlike(10))).read_bytes()
    (tmp_path / "cut.mp3").write_bytes(whole[: int(len(whole) * 0.6)])
    err = rejection(tmp_path / "cut.mp3")
    assert err.code == "truncated"
    assert err.message.startswith("Tệp bị cắt/hỏng")
    assert "6 giây trên 10 giây" in err.message


def test_a_truncated_wav(tmp_path):
    whole = wav(tmp_path / "whole.wav", stereo(0.3 * speechlike(5))).read_bytes()
    (tmp_path / "cut.wav").write_bytes(whole[: len(whole) // 2])
    assert rejection(tmp_path / "cut.wav").code == "truncated"


def test_a_corrupt_mp3(tmp_path):
    data = bytearray(mp3(tmp_path / "whole.mp3", stereo(0.3 * speechlike(10))).read_bytes())
    for i in range(2000, len(data), 1000):  # damage every frame or so
        data[i : i + 200] = bytes(200)
    (tmp_path / "damaged.mp3").write_bytes(bytes(data))
    err = rejection(tmp_path / "damaged.mp3")
    assert err.code == "corrupt"
    assert err.message.startswith("Tệp bị cắt/hỏng: hơn 50 đoạn")


def test_too_long_says_the_limit(tmp_path):
    path = wav(tmp_path / "long.wav", stereo(0.3 * speechlike(3)))
    err = rejection(path, max_seconds=2)
    assert err.code == "too_long"
    assert "Tệp quá dài" in err.message and "tối đa 2 giây" in err.message
    assert inspect(path, max_seconds=3).duration_s == 3.0  # exactly the maximum is allowed


def test_too_long_by_its_header_in_hours(tmp_path):
    """A WAV whose header declares 3 h 30 min is refused before anything is decoded."""
    rate, seconds = 8000, 3.5 * 3600
    header = b"RIFF" + (36 + int(rate * seconds)).to_bytes(4, "little") + b"WAVEfmt "
    header += (16).to_bytes(4, "little") + (1).to_bytes(2, "little") + (1).to_bytes(2, "little")
    header += rate.to_bytes(4, "little") + rate.to_bytes(4, "little") + (1).to_bytes(2, "little")
    header += (8).to_bytes(2, "little") + b"data" + int(rate * seconds).to_bytes(4, "little")
    (tmp_path / "claims.wav").write_bytes(header + bytes([128]) * rate)
    err = rejection(tmp_path / "claims.wav")
    assert err.code == "too_long"
    assert err.message == "Tệp quá dài (3 giờ 30 phút): tối đa 3 giờ cho một chương trình."
    assert duration_vi(3 * 3600) == "3 giờ"


def test_shorter_than_a_second(tmp_path):
    err = rejection(wav(tmp_path / "blip.wav", stereo(tone(0.5))))
    assert err.code == "too_short"
    assert "Tệp quá ngắn (0,5 giây)" in err.message


def test_silent(tmp_path):
    err = rejection(wav(tmp_path / "silence.wav", np.zeros((2, 5 * RATE))))
    assert err.code == "silent"
    assert err.message.startswith("Tệp im lặng")
    # faint hiss, under the −70 LUFS gate, is silence too
    assert rejection(wav(tmp_path / "hiss.wav", stereo(tone(5, peak=1e-4)), codec="pcm_f32le")).code == "silent"


# --- loudness ----------------------------------------------------------------------------------


def test_measure_a_reference_tone(tmp_path):
    """BS.1770's calibration: a 997 Hz sine at −20 dBFS peak in one channel reads −23.0 LUFS."""
    path = wav(tmp_path / "tone.wav", tone(10, freq=997, peak=0.1), codec="pcm_f32le")
    assert measure(path) == pytest.approx(-23.0, abs=0.1)
    assert measure(wav(tmp_path / "quiet.wav", np.zeros((1, RATE * 3)))) == float("-inf")


def test_lame_scales_its_input():
    """LAME's CBR presets lower the input by 5 % (−0.45 dB) up to 160 kbit/s; not at 320."""
    assert lame_scale_db(96_000, RATE) == pytest.approx(-0.446, abs=0.01)
    assert lame_scale_db(320_000, RATE) == pytest.approx(0.0, abs=0.01)


def _at(x, lufs, path_base):
    """x scaled (and for a loud master, saturated as a limiter would) to about `lufs`."""
    gain = 1.0
    for _ in range(4):
        y = np.tanh(x * gain) if lufs > -14 else x * gain
        path = wav(path_base, stereo(y / max(1.0, np.abs(y).max() / 0.99)))
        level = measure(path, downmix=True)
        if abs(level - lufs) < 0.5:
            return path, level
        gain *= 10 ** ((lufs - level) / 20)
    return path, level


@pytest.fixture(scope="module")
def programmes(tmp_path_factory):
    base = tmp_path_factory.mktemp("programmes")
    x = speechlike(20, seed=11)
    return {"quiet": _at(x, -30, base / "quiet.wav"), "loud": _at(x, -8, base / "loud.wav")}


def decoded(path):
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(stream)])
        return stream, samples


@pytest.mark.parametrize("level", ["quiet", "loud"])
@pytest.mark.parametrize("target", [-16.0, -23.0])
def test_normalise_brings_any_programme_to_the_target(tmp_path, programmes, level, target):
    src, input_lufs = programmes[level]
    assert input_lufs == pytest.approx({"quiet": -30, "loud": -8}[level], abs=0.5)
    info = inspect(src)
    dst = tmp_path / "broadcast.mp3"
    result = normalise(src, dst, target_lufs=target, input_lufs=info.loudness_lufs)
    measured = measure(dst)
    assert measured == pytest.approx(target, abs=1.0)
    assert result.output_lufs == pytest.approx(measured, abs=0.3)
    assert result.input_lufs == info.loudness_lufs
    assert result.gain_db == pytest.approx(target - input_lufs, abs=1.5)
    assert result.bytes == dst.stat().st_size
    assert result.duration_s == pytest.approx(20, abs=0.01)
    assert not (tmp_path / "broadcast.mp3.part").exists()
    stream, samples = decoded(dst)
    assert (stream.codec_context.name, stream.channels, stream.sample_rate, stream.bit_rate) == (
        "mp3float",
        1,
        44_100,
        96_000,
    )
    assert len(samples) == pytest.approx(20 * 44_100, abs=2)
    peak_dbfs = 20 * np.log10(np.abs(samples).max())
    assert peak_dbfs < -0.5  # limiter at −1 dBTP; below 0 dBFS with room to spare


def test_normalise_measures_the_input_itself_and_is_deterministic(tmp_path, programmes):
    src, _ = programmes["quiet"]
    first = normalise(src, tmp_path / "a.mp3", bitrate=64_000, sample_rate=22_050)
    second = normalise(src, tmp_path / "b.mp3", bitrate=64_000, sample_rate=22_050)
    assert first == second
    assert (tmp_path / "a.mp3").read_bytes() == (tmp_path / "b.mp3").read_bytes()
    stream, _ = decoded(tmp_path / "a.mp3")
    assert (stream.sample_rate, stream.bit_rate) == (22_050, 64_000)
    assert measure(tmp_path / "a.mp3") == pytest.approx(-16, abs=1.0)


def test_normalise_refuses_silence_and_leaves_nothing(tmp_path):
    src = wav(tmp_path / "silence.wav", np.zeros((1, 3 * RATE)))
    with pytest.raises(AudioRejected) as caught:
        normalise(src, tmp_path / "out.mp3")
    assert caught.value.code == "silent"
    assert not (tmp_path / "out.mp3").exists() and not (tmp_path / "out.mp3.part").exists()
    with pytest.raises(ValueError):
        normalise(src, tmp_path / "out.mp3", sample_rate=44_000)
