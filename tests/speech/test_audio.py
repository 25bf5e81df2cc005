"""speech: engines and MP3 bulletins.

espeak-ng is real (the library from the espeakng-loader wheel, in requirements.txt); Piper
and the espeak-ng program are real subprocesses: small executable scripts written here that
speak Piper's and espeak-ng's command line and write a WAV file (no Piper model can be
installed without a download). No database."""

import hashlib
import io
import json
import math
import re
import struct
import sys
import wave

import av
import numpy as np
import pytest

from speech import audio, engines
from speech.audio import EmptyText, bulletin_mp3, duration_of, encode_mp3, probe, split_for_synthesis
from speech.engines import (
    EspeakEngine,
    PiperEngine,
    SpeechEngine,
    SpeechFailed,
    SpeechUnavailable,
    get_engine,
    read_wav,
)
from speech.normalise import normalise

ANNOUNCEMENT = (
    "Thực hiện Kế hoạch số 35/KH-UBND ngày 15/12/2026 của UBND xã An Trường, Trạm y tế xã tổ chức "
    "tiêm vắc xin sởi cho trẻ từ 9 tháng đến 2 tuổi. Thời gian: từ 7h30 đến 11h, thứ 2 và thứ 4 hằng tuần. "
    "Kinh phí 35,5 triệu đồng; mọi thắc mắc xin gọi 0294 3862 123."
)


@pytest.fixture
def espeak():
    return EspeakEngine(rate=150, command=None)


def word_count(text):
    return len(re.findall(r"[^\W\d_]+", normalise(text)))


def pcm_of(mp3):
    with av.open(io.BytesIO(mp3)) as container:
        return np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])


# --- espeak-ng ----------------------------------------------------------------------------


def test_espeak_is_a_speech_engine(espeak):
    assert isinstance(espeak, SpeechEngine)
    assert espeak.voices() == ["bac", "trung", "nam"]
    assert espeak.backend() == "library"  # the wheel's libespeak-ng: no system package needed


@pytest.mark.parametrize("voice", ["bac", "trung", "nam"])
def test_bulletin_is_an_mp3_of_plausible_length(espeak, voice):
    mp3, duration = bulletin_mp3(ANNOUNCEMENT, voice, espeak)
    info = probe(mp3)
    assert mp3[0] == 0xFF and mp3[1] & 0xE0 == 0xE0  # an MPEG audio frame first, no ID3 tag
    assert info["format"] == "mp3" and info["codec"].startswith("mp3")
    assert info["channels"] == 1
    assert info["sample_rate"] == 22050
    assert duration == pytest.approx(info["duration_s"]) == pytest.approx(duration_of(mp3))
    words = word_count(ANNOUNCEMENT)
    assert words > 1.5 * len(ANNOUNCEMENT.split())  # the numbers, dates and codes became words
    speech = duration - audio.LEAD_SILENCE_S
    assert 0.25 * words <= speech <= 1.0 * words, (words, speech)
    # Not silence: speech has energy after the lead-in, and the lead-in is quiet.
    samples = pcm_of(mp3).astype(np.float64)
    lead = int(0.2 * 22050)
    assert np.sqrt(np.mean(samples[lead:] ** 2)) > 0.02
    assert np.abs(samples[:lead]).max() < 0.01


def test_the_three_voices_sound_different(espeak):
    pcm = {
        voice: espeak.synthesize(normalise("Uỷ ban nhân dân xã thông báo lịch tiêm chủng."), voice)
        for voice in ("bac", "trung", "nam")
    }
    assert {rate for _, rate in pcm.values()} == {22050}
    digests = {hashlib.sha256(samples).hexdigest() for samples, _ in pcm.values()}
    assert len(digests) == 3
    mp3s = {bulletin_mp3("Thông báo lịch tiêm chủng.", voice, espeak)[0] for voice in ("bac", "trung", "nam")}
    assert len(mp3s) == 3


def test_same_text_same_bytes(espeak):
    first, _ = bulletin_mp3(ANNOUNCEMENT, "nam", espeak)
    bulletin_mp3("Một văn bản khác, đọc ở giữa, bằng giọng khác.", "bac", espeak)
    again, _ = bulletin_mp3(ANNOUNCEMENT, "nam", espeak)
    assert hashlib.sha256(first).digest() == hashlib.sha256(again).digest()
    assert b"ID3" not in first[:10] and b"Lavf5" not in first and b"Lavc" not in first  # no versions, no tags


def test_longer_text_takes_longer(espeak):
    short, short_s = bulletin_mp3("Thông báo họp tổ dân phố.", "bac", espeak)
    long_, long_s = bulletin_mp3("Thông báo họp tổ dân phố. " * 8, "bac", espeak)
    assert 6 * (short_s - audio.LEAD_SILENCE_S) < long_s - audio.LEAD_SILENCE_S < 10 * (short_s - audio.LEAD_SILENCE_S)
    assert len(long_) > len(short)


def test_long_text_is_read_in_chunks(espeak, monkeypatch):
    calls = []
    real = espeak.synthesize

    def counting(text, voice):
        calls.append(text)
        return real(text, voice)

    monkeypatch.setattr(espeak, "synthesize", counting)
    text = " ".join(
        f"Đoạn {i}: bà con ấp {i} đến nhận hỗ trợ tại hội trường, mang theo căn cước công dân." for i in range(1, 41)
    )
    _mp3, duration = bulletin_mp3(text, "trung", espeak)
    assert len(calls) > 4
    assert all(len(chunk) <= audio.CHUNK_CHARS for chunk in calls)
    assert "\n".join(calls).replace("\n", " ") == normalise(text)
    words = word_count(text)
    assert 0.25 * words <= duration - audio.LEAD_SILENCE_S <= 1.0 * words


def test_split_for_synthesis_keeps_every_word():
    sentence = "một hai ba, " * 100 + "bốn năm sáu."
    text = f"Câu ngắn. {sentence} Câu cuối!"
    chunks = split_for_synthesis(text, max_chars=120)
    assert all(0 < len(c) <= 120 for c in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())
    assert split_for_synthesis("x" * 50, max_chars=20) == ["x" * 20, "x" * 20, "x" * 10]


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n", "- \n* \n", "...", "“ ” ( )"])
def test_empty_text_is_a_clear_error(espeak, text):
    with pytest.raises(EmptyText, match="Không có nội dung để đọc"):
        bulletin_mp3(text, "bac", espeak)


def test_unknown_voice(espeak):
    with pytest.raises(ValueError, match="Giọng đọc không hợp lệ"):
        bulletin_mp3("Thông báo.", "hue", espeak)
    with pytest.raises(ValueError, match="Giọng đọc không hợp lệ"):
        espeak.synthesize("thông báo", "vi")


def test_default_engine_and_voice_from_settings(settings):
    settings.TTS_ENGINE = "espeak"
    settings.TTS_DEFAULT_VOICE = "nam"
    settings.TTS_RATE = 150
    engine = get_engine()
    assert isinstance(engine, EspeakEngine) and engine.rate == 150
    mp3, _ = bulletin_mp3("Thông báo lịch tiêm chủng.")
    assert mp3 == bulletin_mp3("Thông báo lịch tiêm chủng.", "nam", EspeakEngine(rate=150))[0]
    settings.TTS_RATE = 220  # faster reading, shorter audio
    _, fast = bulletin_mp3(ANNOUNCEMENT)
    _, normal = bulletin_mp3(ANNOUNCEMENT, engine=EspeakEngine(rate=150))
    assert fast < 0.85 * normal


def test_unknown_engine_setting(settings):
    settings.TTS_ENGINE = "google"
    with pytest.raises(SpeechUnavailable, match="không được hỗ trợ"):
        get_engine()


def test_espeak_missing_everywhere_says_what_to_install(monkeypatch, tmp_path):
    # No wheel (the import fails) and no espeak-ng program on the PATH.
    monkeypatch.setitem(sys.modules, "espeakng_loader", None)
    monkeypatch.setattr(engines._EspeakLibrary, "_instance", None)
    monkeypatch.setenv("PATH", str(tmp_path))
    engine = EspeakEngine()
    with pytest.raises(SpeechUnavailable) as info:
        bulletin_mp3("Thông báo.", "bac", engine)
    assert "espeakng-loader" in str(info.value) and "apt-get install espeak-ng" in str(info.value)


# --- fake programs: real subprocesses that speak the command lines -------------------------

FAKE_TTS = """#!{python}
# A stand-in for a speech program: writes a WAV with one 0.3 s tone per word, and logs its
# arguments and input.
import json, math, struct, sys, wave
args = sys.argv[1:]
def opt(*names):
    for name in names:
        if name in args:
            return args[args.index(name) + 1]
text = sys.stdin.read()
with open({log!r}, "a", encoding="utf-8") as log:
    log.write(json.dumps({{"args": args, "text": text}}) + "\\n")
if {fail}:
    sys.stderr.write("model broken: cannot load\\n")
    sys.exit(3)
rate = {rate}
words = text.split()
frames = bytearray()
for i, _ in enumerate(words):
    for n in range(int(0.3 * rate)):
        frames += struct.pack("<h", int(8000 * math.sin(2 * math.pi * (300 + 20 * i) * n / rate)))
with wave.open(opt("--output_file", "-w"), "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate); w.writeframes(bytes(frames))
"""


def fake_program(tmp_path, name, rate=16000, fail=False):
    log = tmp_path / f"{name}.log"
    path = tmp_path / name
    path.write_text(FAKE_TTS.format(python=sys.executable, log=str(log), rate=rate, fail=fail), encoding="utf-8")
    path.chmod(0o755)
    return path, log


def calls(log):
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def piper_model(tmp_path):
    model = tmp_path / "vi_VN-test-medium.onnx"
    model.write_bytes(b"not a real model")
    (tmp_path / "vi_VN-test-medium.onnx.json").write_text('{"audio": {"sample_rate": 16000}}')
    return model


def test_piper_through_its_program(settings, tmp_path, piper_model):
    program, log = fake_program(tmp_path, "piper")
    settings.TTS_ENGINE = "piper"
    settings.TTS_PIPER_MODEL = str(piper_model)
    settings.TTS_PIPER_COMMAND = str(program)
    engine = get_engine()
    assert isinstance(engine, PiperEngine) and isinstance(engine, SpeechEngine)
    mp3, duration = bulletin_mp3(ANNOUNCEMENT, "trung")
    info = probe(mp3)
    assert info["sample_rate"] == 16000 and info["channels"] == 1 and info["format"] == "mp3"
    words = len(normalise(ANNOUNCEMENT).split())
    assert duration == pytest.approx(audio.LEAD_SILENCE_S + 0.3 * words, abs=0.05)
    (call,) = calls(log)
    assert call["args"][:2] == ["--model", str(piper_model)] and call["args"][2] == "--output_file"
    # Normalised words, one sentence a line (Piper reads each line as an utterance).
    assert call["text"].split("\n")[0] == normalise(ANNOUNCEMENT).split(". ")[0] + "."
    assert " ".join(call["text"].split()) == normalise(ANNOUNCEMENT)


def test_piper_per_voice_models(settings, tmp_path, piper_model):
    program, log = fake_program(tmp_path, "piper", rate=22050)
    south = tmp_path / "vi_VN-south.onnx"
    south.write_bytes(b"x")
    (tmp_path / "vi_VN-south.onnx.json").write_text("{}")
    settings.TTS_ENGINE = "piper"
    settings.TTS_PIPER_MODEL = str(piper_model)
    settings.TTS_PIPER_VOICES = f"nam={south}"
    settings.TTS_PIPER_COMMAND = f"{program} --sentence_silence 0.2"
    engine = get_engine()
    engine.synthesize("thông báo", "nam")
    engine.synthesize("thông báo", "bac")
    south_call, north_call = calls(log)
    assert south_call["args"][:4] == ["--sentence_silence", "0.2", "--model", str(south)]
    assert north_call["args"][3] == str(piper_model)


def test_piper_model_not_configured(settings):
    settings.TTS_ENGINE = "piper"
    settings.TTS_PIPER_MODEL = ""
    with pytest.raises(SpeechUnavailable, match="chưa đặt TTS_PIPER_MODEL"):
        bulletin_mp3("Thông báo.", "bac")


def test_piper_model_missing(settings, tmp_path):
    program, _ = fake_program(tmp_path, "piper")
    settings.TTS_ENGINE = "piper"
    settings.TTS_PIPER_MODEL = "/srv/tts/vi_VN-vais1000-medium.onnx"
    settings.TTS_PIPER_COMMAND = str(program)
    with pytest.raises(SpeechUnavailable) as info:
        bulletin_mp3("Thông báo.", "bac")
    message = str(info.value)
    assert "Không tìm thấy tệp mô hình giọng đọc Piper" in message
    assert "/srv/tts/vi_VN-vais1000-medium.onnx" in message and "TTS_PIPER_MODEL" in message


def test_piper_model_without_its_config(settings, tmp_path):
    model = tmp_path / "lonely.onnx"
    model.write_bytes(b"x")
    settings.TTS_ENGINE = "piper"
    settings.TTS_PIPER_MODEL = str(model)
    with pytest.raises(SpeechUnavailable, match=r"Thiếu tệp cấu hình.*lonely\.onnx\.json"):
        bulletin_mp3("Thông báo.", "bac")


def test_piper_program_missing(settings, piper_model):
    settings.TTS_ENGINE = "piper"
    settings.TTS_PIPER_MODEL = str(piper_model)
    settings.TTS_PIPER_COMMAND = "/opt/piper/piper-does-not-exist"
    with pytest.raises(SpeechUnavailable, match="Không tìm thấy chương trình Piper"):
        bulletin_mp3("Thông báo.", "bac")


def test_piper_program_failing(settings, tmp_path, piper_model):
    program, _ = fake_program(tmp_path, "piper", fail=True)
    engine = PiperEngine(model=piper_model, command=str(program))
    with pytest.raises(SpeechFailed, match=r"Piper báo lỗi \(mã 3\): model broken"):
        bulletin_mp3("Thông báo.", "bac", engine)


def test_bad_piper_voices_setting():
    with pytest.raises(SpeechUnavailable, match="TTS_PIPER_VOICES"):
        PiperEngine(model=None, voice_models="hue=/a.onnx")
    with pytest.raises(SpeechUnavailable, match="sai dạng"):
        PiperEngine(model=None, voice_models="/a.onnx")


def test_espeak_program_when_configured(settings, tmp_path):
    program, log = fake_program(tmp_path, "espeak-ng", rate=22050)
    settings.TTS_ENGINE = "espeak"
    settings.TTS_RATE = 140
    settings.TTS_ESPEAK_COMMAND = str(program)
    _mp3, duration = bulletin_mp3("Thông báo\nlịch họp.", "nam")
    (call,) = calls(log)
    assert call["args"][:4] == ["-v", "vi-vn-x-south", "-s", "140"]
    assert "-w" in call["args"] and "--stdin" in call["args"]
    assert call["text"] == "Thông báo. lịch họp."
    assert duration == pytest.approx(audio.LEAD_SILENCE_S + 0.3 * 4, abs=0.05)


def test_espeak_program_configured_but_missing(settings):
    settings.TTS_ESPEAK_COMMAND = "/usr/bin/espeak-ng-not-here"
    with pytest.raises(SpeechUnavailable, match="apt-get install espeak-ng"):
        bulletin_mp3("Thông báo.", "bac")


# --- MP3 and WAV plumbing -----------------------------------------------------------------


def tone(seconds, rate, freq=440):
    t = np.arange(int(seconds * rate)) / rate
    return (8000 * np.sin(2 * math.pi * freq * t)).astype("<i2").tobytes()


@pytest.mark.parametrize("rate, out_rate", [(22050, 22050), (16000, 16000), (24000, 24000), (20000, 22050)])
def test_encode_mp3_keeps_the_length(rate, out_rate):
    mp3 = encode_mp3(tone(1.5, rate), rate)
    info = probe(mp3)
    assert info["sample_rate"] == out_rate and info["channels"] == 1
    assert info["duration_s"] == pytest.approx(1.5, abs=0.03)


def test_mixed_rates_are_resampled():
    writer = audio.Mp3Writer()
    writer.write(tone(1.0, 22050), 22050)
    writer.write(tone(1.0, 16000), 16000)
    mp3 = writer.finish()
    assert probe(mp3)["sample_rate"] == 22050
    assert duration_of(mp3) == pytest.approx(2.0, abs=0.05)


def wav_bytes(pcm, rate, channels=1):
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return out.getvalue()


def test_read_wav():
    pcm = tone(0.1, 16000)
    assert read_wav(wav_bytes(pcm, 16000)) == (pcm, 16000)
    # A program writing to a pipe leaves the sizes at their maximum.
    data = bytearray(wav_bytes(pcm, 16000))
    data[4:8] = data[40:44] = struct.pack("<I", 0xFFFFFFFF)
    assert read_wav(bytes(data)) == (pcm, 16000)
    left = np.full(10, 1000, "<i2")
    right = np.full(10, 3000, "<i2")
    stereo = np.stack([left, right], axis=1).tobytes()
    mono, rate = read_wav(wav_bytes(stereo, 8000, channels=2))
    assert rate == 8000 and np.frombuffer(mono, "<i2").tolist() == [2000] * 10
    with pytest.raises(SpeechFailed):
        read_wav(b"not a wav file at all")
