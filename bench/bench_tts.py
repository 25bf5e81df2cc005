"""Audio bulletins (speech): seconds of audio produced per second of CPU.

    .venv/bin/python bench/bench_tts.py                       # 10 announcements × 3 voices, 3 runs
    .venv/bin/python bench/bench_tts.py --runs 5 --voices nam
    .venv/bin/python bench/bench_tts.py --engine piper        # whatever TTS_* in the environment says

Ten realistic commune announcements of 50 to 300 words (before normalisation), with dates,
times, money, percentages, document and phone numbers and abbreviations, are read with each
voice. Each bulletin is made by bulletin_mp3's own steps, timed one by one in this process:
normalise (text → words), synthesis (the engine on each chunk; espeak-ng from the
espeakng-loader wheel by default), MP3 (PyAV's libmp3lame, including the lead silence), and,
apart, duration_of (decoding the MP3 to count its samples, which bulletin_mp3 also does). The
bytes are checked against bulletin_mp3's once per text and voice.

Reported per voice: the words read (after normalisation), the seconds of audio, CPU seconds
(process time: user + system, all threads) per step, audio seconds per CPU second for each
step and for the whole bulletin, median and p95 wall milliseconds per bulletin, MP3 kilobytes
per audio second, and peak RSS of the process. Every figure is the median over --runs runs of
the same bulletin. No database, no Django set-up: the speech package needs neither.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
from machine import machine_info, machine_line

c.setup_paths()

HEADER = "UBND xã An Trường thông báo:"
SENTENCES = [
    "Thực hiện Kế hoạch số 35/KH-UBND ngày 15/12/2026 của UBND huyện Càng Long, Trạm y tế xã tổ chức tiêm "
    "vắc xin sởi - rubella cho trẻ từ 9 tháng đến 2 tuổi vào sáng thứ 2 và thứ 4 hằng tuần, từ 7h30 đến 11h.",
    "Phụ huynh mang theo sổ tiêm chủng, thẻ BHYT của trẻ và CCCD của cha hoặc mẹ.",
    "Theo Quyết định số 12/2024/QĐ-UBND, mức hỗ trợ hộ nghèo là 1.500.000 đồng/hộ, hộ cận nghèo 750.000đ/hộ; "
    "tổng kinh phí năm 2026 là 1,2 tỷ đồng, tăng 12,5% so với năm trước.",
    "Ban chỉ huy PCTT&TKCN xã đề nghị bà con ở các ấp ven sông chủ động gia cố nhà cửa, di dời tài sản "
    "trước 17h ngày 20/11, khi triều cường dự báo dâng cao 1,8 m.",
    "Lượng mưa từ 150-200mm trong 24 giờ tới; nhiệt độ thấp nhất 22°C.",
    "Mọi thông tin xin liên hệ Văn phòng HĐND - UBND xã, điện thoại 0294 3862 123, hoặc gọi đường dây nóng 114 "
    "khi có cháy nổ.",
    "MTTQ xã phối hợp Hội Nông dân, Hội Cựu chiến binh trao 25 căn nhà đại đoàn kết, mỗi căn 60 triệu đồng, "
    "khởi công từ ngày 05/12 đến ngày 25/12/2026.",
    "Thanh niên sinh năm 2008 đăng ký NVQS tại trụ sở BCH quân sự xã trước ngày 30/12, mang theo CCCD và "
    "giấy khám sức khoẻ.",
    "Từ tháng 1/2027, người dân làm thủ tục khai sinh, khai tử trực tuyến trên Cổng dịch vụ công; cán bộ "
    "VH-XH xã hướng dẫn tại Bộ phận một cửa từ 7h-11h và 13h30-17h các ngày làm việc.",
    "Trường THCS An Trường tuyển sinh lớp 6 năm học 2026-2027 với 4 lớp, 160 học sinh; hồ sơ nộp đến hết "
    "ngày 31/7/2026.",
    "Đại hội Đảng bộ xã lần thứ XV, nhiệm kỳ 2025-2030, diễn ra trong 2 ngày 14 và 15/3; đề nghị các chi bộ "
    "chuẩn bị chu đáo.",
    "Công văn 123/UBND-VX nhắc các hộ kinh doanh thực hiện PCCC, ATTP; đoàn kiểm tra liên ngành làm việc "
    "từ ngày 10-20/12/2026.",
]
TARGET_WORDS = (50, 75, 100, 125, 150, 175, 200, 225, 250, 300)


def announcements():
    """Ten texts of about TARGET_WORDS words each: the header, then sentences in turn."""
    texts = []
    for n, target in enumerate(TARGET_WORDS):
        parts, words, i = [HEADER], len(HEADER.split()), n
        while words < target:
            sentence = SENTENCES[i % len(SENTENCES)]
            parts.append(sentence)
            words += len(sentence.split())
            i += 1
        texts.append(" ".join(parts))
    return texts


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def one_bulletin(text, voice, engine):
    """bulletin_mp3's steps, each timed: (mp3, duration, {step: (cpu_s, wall_s)})."""
    from speech import audio
    from speech.normalise import normalise

    steps = {}

    def clock():
        return time.process_time(), time.perf_counter()

    def add(name, start):
        cpu, wall = clock()
        old = steps.get(name, (0.0, 0.0))
        steps[name] = (old[0] + cpu - start[0], old[1] + wall - start[1])

    t = clock()
    words = normalise(text)
    chunks = audio.split_for_synthesis(words)
    add("normalise", t)
    writer = audio.Mp3Writer()
    for chunk in chunks:
        t = clock()
        pcm, rate = engine.synthesize(chunk, voice)
        add("synthesis", t)
        t = clock()
        if writer.container is None and audio.LEAD_SILENCE_S > 0:
            writer.write_silence(audio.LEAD_SILENCE_S, rate)
        writer.write(pcm, rate)
        add("mp3", t)
    t = clock()
    mp3 = writer.finish()
    add("mp3", t)
    t = clock()
    duration = audio.duration_of(mp3)
    add("decode", t)
    return mp3, duration, steps, len(words.split())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of every bulletin; figures are medians (default 3)")
    parser.add_argument("--voices", default="bac,trung,nam")
    parser.add_argument("--engine", default=None, help="espeak (default) or piper (configured by TTS_* variables)")
    args = parser.parse_args()

    from speech.audio import MP3_BITRATE, bulletin_mp3
    from speech.engines import engine_description, get_engine

    engine = get_engine(args.engine)
    texts = announcements()
    print(machine_line(machine_info(connection=False)))
    print(
        f"Engine: {engine_description(engine)}; MP3 {MP3_BITRATE // 1000} "
        f"kbit/s mono; {len(texts)} announcements of {min(len(t.split()) for t in texts)}–"
        f"{max(len(t.split()) for t in texts)} words as written; median of {args.runs} runs each"
    )
    rss_start = c.peak_rss_mib()
    bulletin_mp3(texts[0], "bac", engine)  # warm-up: imports, codec set-up
    rows = []
    for voice in args.voices.split(","):
        totals = {"normalise": 0.0, "synthesis": 0.0, "mp3": 0.0, "decode": 0.0}
        audio_s = words_total = mp3_bytes = 0
        walls = []
        for text in texts:
            runs = [one_bulletin(text, voice, engine) for _ in range(args.runs)]
            mp3, duration, _, words = runs[0]
            if all(r[0] == mp3 for r in runs):
                assert mp3 == bulletin_mp3(text, voice, engine)[0], "the timed steps must give bulletin_mp3's bytes"
            for name in totals:
                totals[name] += statistics.median(r[2][name][0] for r in runs)
            walls.append(statistics.median(sum(w for _, w in r[2].values()) for r in runs) * 1000)
            audio_s += duration
            words_total += words
            mp3_bytes += len(mp3)
        cpu = sum(totals.values())
        rows.append(
            [
                voice,
                words_total,
                f"{audio_s:.0f}",
                f"{audio_s / words_total:.2f}",
                f"{totals['normalise']:.3f}",
                f"{totals['synthesis']:.2f}",
                f"{totals['mp3']:.2f}",
                f"{totals['decode']:.2f}",
                f"{audio_s / totals['normalise']:,.0f}",
                f"{audio_s / totals['synthesis']:.0f}",
                f"{audio_s / totals['mp3']:.0f}",
                f"{audio_s / cpu:.0f}",
                f"{statistics.median(walls):.0f}",
                f"{p95(walls):.0f}",
                f"{mp3_bytes / 1024 / audio_s:.1f}",
            ]
        )
        print(f"  {voice}: {audio_s:.0f} s of audio, {audio_s / cpu:.0f} s per CPU second", file=sys.stderr)
    print()
    print(
        "CPU seconds are summed over the ten bulletins (each the median of its runs); 'audio s / CPU s' divides "
        "the audio produced by each step's CPU time and, last, by the whole bulletin's (normalise + synthesis + "
        "MP3 + decode); ms per bulletin is wall time."
    )
    print(
        c.table(
            [
                "voice",
                "words",
                "audio s",
                "s/word",
                "CPU normalise",
                "CPU synthesis",
                "CPU MP3",
                "CPU decode",
                "audio/CPU normalise",
                "audio/CPU synthesis",
                "audio/CPU MP3",
                "audio/CPU all",
                "median ms/bulletin",
                "p95 ms",
                "MP3 KiB/audio s",
            ],
            rows,
        )
    )
    print(f"Peak RSS {c.peak_rss_mib():.0f} MiB (at start {rss_start:.0f} MiB)")


if __name__ == "__main__":
    main()
