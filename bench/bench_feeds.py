"""External feeds and calendars (boards/feeds.py): ms to read, parse and sanitise one source.

    .venv/bin/python bench/bench_feeds.py              # 10 runs per row
    .venv/bin/python bench/bench_feeds.py --runs 30

Timed in this process, without touching a database (no query is made): an RSS 2.0 feed near
the size cap (FEEDS_MAX_BYTES, 2 MiB) of items with HTML descriptions, parsed and reduced to
plain text (`parse`: the lxml check, feedparser, `plain_text` on every field); an iCal calendar
of weekly recurring meetings and single events expanded 90 days ahead (`parse`:
icalendar, recurring-ical-events); `plain_text` alone on hostile HTML (MB/s); and `fetch` of the
2 MiB feed from an http.server on 127.0.0.1 (blocks of 64 KiB, the size cap checked). The
worker reads one source after another, so these times add up per minute of due sources.
"""

import argparse
import datetime
import http.server
import statistics
import sys
import tempfile
import threading
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
from machine import machine_line


def rss(target_bytes):
    item = (
        "<item><title>Tin số {n}: UBND tỉnh Trà Vinh họp bàn kế hoạch phát triển kinh tế xã hội năm 2027</title>"
        "<link>https://travinh.gov.vn/tin/{n}</link><guid>tin-{n}</guid>"
        "<pubDate>Sun, 06 Dec 2026 07:30:00 +0700</pubDate><description>&lt;p&gt;Sáng nay, &lt;b&gt;UBND tỉnh"
        "&lt;/b&gt; tổ chức hội nghị &lt;a href='https://travinh.gov.vn'&gt;xem thêm&lt;/a&gt;"
        "&lt;script&gt;alert(1)&lt;/script&gt;. {filler}&lt;/p&gt;</description></item>"
    )
    filler = "Nội dung chi tiết của bản tin với nhiều chữ tiếng Việt có dấu. " * 6
    head = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Cổng tỉnh</title>'
    parts, size, n = [head], len(head), 0
    while size < target_bytes - 2048:
        text = item.format(n=n, filler=filler)
        parts.append(text)
        size += len(text.encode())
        n += 1
    parts.append("</channel></rss>")
    return "".join(parts).encode(), n


def calendar(weekly, single):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//VI"]
    for n in range(weekly):
        day = 7 + n % 5
        lines += [
            "BEGIN:VEVENT",
            f"UID:weekly-{n}",
            f"SUMMARY:Tiếp công dân định kỳ {n}",
            "LOCATION:Trụ sở UBND xã",
            f"DTSTART:202612{day:02d}T080000",
            f"DTEND:202612{day:02d}T110000",
            "RRULE:FREQ=WEEKLY",
            "END:VEVENT",
        ]
    for n in range(single):
        day = 1 + n % 28
        lines += [
            "BEGIN:VEVENT",
            f"UID:single-{n}",
            f"SUMMARY:Họp dân ấp {n}",
            "DESCRIPTION:<p>Nội dung <b>cuộc họp</b></p>",
            f"DTSTART:202701{day:02d}T140000Z",
            f"DTEND:202701{day:02d}T160000Z",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def timed(function, runs, warmup=2):
    for _ in range(warmup):
        function()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        function()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=10)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        c.django_setup(c.sqlite_url(Path(tmp) / "unused.sqlite3"))  # settings only: no query is made
        from django.conf import settings
        from django.utils import timezone

        from boards import feeds

        settings.FEEDS_ALLOW_PRIVATE_ADDRESSES = True
        now = timezone.make_aware(datetime.datetime(2026, 12, 6, 10, 0))
        source = types.SimpleNamespace(url="https://travinh.gov.vn/rss", days_ahead=90, max_entries=50, pk=0)
        print(machine_line())
        rows = []

        body, count = rss(settings.FEEDS_MAX_BYTES)
        parsed = feeds.parse(body, "auto", now, source)
        assert len(parsed.items) == count, (len(parsed.items), count)
        median, worst = timed(lambda: feeds.parse(body, "auto", now, source), a.runs)
        rows.append(
            [f"RSS {len(body) / 1048576:.1f} MiB, {count} items: parse + plain text", f"{median:.0f}", f"{worst:.0f}"]
        )

        ics = calendar(30, 200)
        parsed = feeds.parse(ics, "auto", now, source)
        label = f"iCal 30 weekly + 200 single events, 90 days → {len(parsed.items)} occurrences"
        median, worst = timed(lambda: feeds.parse(ics, "auto", now, source), a.runs)
        rows.append([label, f"{median:.0f}", f"{worst:.0f}"])

        hostile = "<div><script>alert(1)</script><style>x{}</style>Chữ &amp; số\u202e <b>đậm</b>\x07</div>" * 2000
        median, worst = timed(lambda: feeds.plain_text(hostile, 10**9), a.runs)
        speed = len(hostile.encode()) / 1048576 / (median / 1000)
        rows.append(
            [
                f"plain_text of {len(hostile.encode()) // 1024} KiB of hostile HTML ({speed:.1f} MB/s)",
                f"{median:.1f}",
                f"{worst:.1f}",
            ]
        )

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{httpd.server_address[1]}/rss"
        median, worst = timed(lambda: feeds.fetch(url), a.runs)
        rows.append(
            [f"fetch {len(body) / 1048576:.1f} MiB from 127.0.0.1 (64 KiB blocks)", f"{median:.0f}", f"{worst:.0f}"]
        )
        httpd.shutdown()

        print(c.table(["step", "median ms", "max ms"], rows))


if __name__ == "__main__":
    main()
