"""A loudspeaker cluster's rebuild: six announcements read aloud, the first time and unchanged.

    .venv/bin/python bench/bench_audio_board.py               # espeak-ng (the wheel), SQLite
    .venv/bin/python bench/bench_audio_board.py --runs 5

A throwaway SQLite database (migrated, Trà Vinh provisioned) gets, in one commune, six
realistic announcements (40 to 120 words each, with dates, times, money and abbreviations)
and a board of kind "audio". Timed in this process, each over --runs fresh clusters of their
own (the bulletins' cache emptied between runs, so "first" really synthesises):

- first rebuild: compose_audio + one MP3 bulletin per item (normalise, espeak-ng, libmp3lame,
  decode for the duration) + content-addressed files + the version;
- unchanged rebuild: the same board again (every bulletin found by its key, nothing read);
- one edited announcement: only that bulletin is read again;
- a second cluster of the same commune: every file reused;
- the "Nghe thông báo" route of one announcement, first request (the file exists already from
  the board: key + lookup + streaming) and a 304 revalidation.

Reported: wall and CPU seconds (median over runs), seconds of audio made, audio seconds per CPU
second of the first rebuild, MP3 kilobytes, and the machine line.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
from machine import machine_line

ANNOUNCEMENTS = [
    (
        "Lịch tiêm chủng mở rộng tháng 12",
        "Trạm y tế xã tổ chức tiêm vắc xin sởi - rubella cho trẻ từ 9 tháng đến 2 tuổi vào sáng thứ 2 và thứ 4 "
        "hằng tuần, từ 7h30 đến 11h. Phụ huynh mang theo sổ tiêm chủng và thẻ BHYT của trẻ.",
    ),
    (
        "Thu thuế sử dụng đất phi nông nghiệp năm 2026",
        "Hạn nộp thuế là ngày 31/12/2026; mức thu 0,03% giá đất; hộ nghèo được miễn theo Quyết định số "
        "12/2024/QĐ-UBND. Mọi thắc mắc xin gọi 0294 3862 123.",
    ),
    (
        "Cắt điện để bảo trì lưới điện",
        "Điện lực Càng Long cắt điện từ 7h đến 16h ngày 10/12 tại các ấp Đầu Giồng, Cao Một và Mỹ Hoà.",
    ),
    (
        "Đăng ký nghĩa vụ quân sự",
        "Thanh niên sinh năm 2008 đăng ký NVQS tại trụ sở BCH quân sự xã trước ngày 30/12, mang theo CCCD và "
        "giấy khám sức khoẻ. Người không đăng ký sẽ bị xử phạt theo quy định.",
    ),
    (
        "Phòng chống sốt xuất huyết",
        "Số ca sốt xuất huyết tăng 25% so với cùng kỳ. Đề nghị bà con diệt lăng quăng, ngủ mùng, dọn vật dụng "
        "chứa nước quanh nhà; khi sốt cao trên 2 ngày phải đến Trạm y tế xã khám ngay.",
    ),
    (
        "Hỗ trợ hộ nghèo đón Tết",
        "UBND xã trao 120 phần quà, mỗi phần 500.000 đồng, cho hộ nghèo và cận nghèo từ ngày 20/1 đến 25/1/2027 "
        "tại hội trường UBND xã; đại diện hộ mang theo CCCD.",
    ),
]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="tincoso-bench-audio-"))
    env = {**os.environ, "DATABASE_URL": c.sqlite_url(tmp / "db.sqlite3"), "MEDIA_ROOT": str(tmp / "media")}
    env.pop("SECRET_KEY", None)
    env.pop("REDIS_URL", None)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "MEDIA_ROOT")})
    os.environ.pop("SECRET_KEY", None)
    os.environ.pop("REDIS_URL", None)
    manage = [c.PYTHON, str(c.REPO / "manage.py")]
    subprocess.run(manage + ["migrate", "--noinput", "-v0"], env=env, check=True, cwd=c.REPO)
    subprocess.run(
        manage + ["provision", "--structure", "2024", "--province", "Trà Vinh", "--no-progress"],
        env=env,
        check=True,
        cwd=c.REPO,
        stdout=subprocess.DEVNULL,
    )
    try:
        c.setup_paths()
        os.environ.setdefault("LOG_LEVEL", "ERROR")
        import django

        django.setup()
        from django.db import connection
        from django.test import Client

        from areas.models import CommuneHomePage
        from boards.models import Board, RenderedFile, SlideCache
        from boards.publishing import rebuild
        from speech.engines import engine_description, get_engine
        from tests.factories import announcement

        commune = CommuneHomePage.objects.get(structure="2024", short_name="An Trường")
        pages = [announcement(commune, title, summary=summary) for title, summary in ANNOUNCEMENTS]
        print(machine_line(connection=connection))
        print(f"Engine: {engine_description(get_engine())}; {len(pages)} announcements; voice of Trà Vinh (nam)")

        def timed(function):
            cpu, wall = c.cpu_seconds(), time.perf_counter()
            result = function()
            return result, time.perf_counter() - wall, c.cpu_seconds() - cpu

        figures = {name: ([], []) for name in ("first", "unchanged", "edited", "twin", "listen", "listen304")}
        audio_s = kilobytes = 0.0
        for run in range(a.runs):
            SlideCache.objects.all().delete()
            RenderedFile.objects.filter(kind="mp3").delete()
            board = Board.objects.create(owner=commune, name=f"Cụm loa {run}", kind="audio")
            (version, created, rendered, problems), wall, cpu = timed(lambda: rebuild(board))
            assert created and rendered == len(pages) and not problems, problems
            figures["first"][0].append(wall)
            figures["first"][1].append(cpu)
            audio_s = sum(i["duration_s"] for i in version.items)
            kilobytes = sum(i["bytes"] for i in version.items) / 1024
            (_v, created, rendered, _p), wall, cpu = timed(lambda: rebuild(board))
            assert not created and rendered == 0
            figures["unchanged"][0].append(wall)
            figures["unchanged"][1].append(cpu)
            page = pages[run % len(pages)]
            page.summary += f" Cập nhật lần {run + 1}."
            page.save_revision().publish()
            (_v, created, rendered, _p), wall, cpu = timed(lambda: rebuild(board))
            assert created and rendered == 1
            figures["edited"][0].append(wall)
            figures["edited"][1].append(cpu)
            twin = Board.objects.create(owner=commune, name=f"Cụm loa chợ {run}", kind="audio")
            (_v, created, rendered, _p), wall, cpu = timed(lambda: rebuild(twin))
            assert rendered == 0
            figures["twin"][0].append(wall)
            figures["twin"][1].append(cpu)
            site = commune.get_site()
            path = pages[0].get_url_parts()[2] + "nghe/"
            client = Client(HTTP_HOST=site.hostname)
            response, wall, cpu = timed(lambda: client.get(path))
            assert response.status_code == 200
            b"".join(response.streaming_content)
            figures["listen"][0].append(wall)
            figures["listen"][1].append(cpu)
            response, wall, cpu = timed(lambda: client.get(path, HTTP_IF_NONE_MATCH=response["ETag"]))
            assert response.status_code == 304
            figures["listen304"][0].append(wall)
            figures["listen304"][1].append(cpu)
        labels = {
            "first": f"first rebuild ({len(pages)} bulletins read)",
            "unchanged": "unchanged rebuild (nothing read)",
            "edited": "one announcement edited (1 read)",
            "twin": "second cluster, same commune (0 read)",
            "listen": "GET …/nghe/ (file made by the board)",
            "listen304": "GET …/nghe/ If-None-Match → 304",
        }
        rows = [
            (labels[k], f"{statistics.median(w) * 1000:.0f}", f"{statistics.median(u) * 1000:.0f}")
            for k, (w, u) in figures.items()
        ]
        print(f"\n{a.runs} runs (median)")
        print(c.table(["step", "wall ms", "CPU ms"], rows))
        first_cpu = statistics.median(figures["first"][1])
        print(
            f"\nFirst rebuild: {audio_s:.0f} s of audio, {kilobytes:.0f} KB of MP3, "
            f"{audio_s / first_cpu:.0f} s of audio per CPU second (whole rebuild, database included)"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
