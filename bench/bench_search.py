"""Site search query time with 10,000 and 100,000 indexed pages, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_search.py                       # both sizes, both databases
    .venv/bin/python bench/bench_search.py --sizes 10000 --only sqlite
    .venv/bin/python bench/bench_search.py --queries 200 --keep  # keep the databases

Each (database, size) runs in a fresh child process on a throwaway database (a temporary
SQLite file, or PostgreSQL `tincoso_bench_search`), migrated, with N index rows bulk-inserted
straight into search_searchentry (the full-text indexes fill themselves: FTS5 triggers,
PostgreSQL generated tsvector columns). No Wagtail pages are created, so the page foreign key
is dropped in the throwaway database; the query path never reads the page table.

Rows are synthetic but Vietnamese: titles and bodies drawn from a vocabulary of real words
with marks (news 50 %, announcements 25 %, documents 15 % with numbers and symbols, pages
10 %), spread over 1 province → 10 districts → 15 communes each (150 communes), dates over
six years. Bodies are about 150–300 words.

Timed: `search.engine.search(parse_query(q), filters)`, i.e. parsing, every database
query (the candidate passes and the phrase / exact passes) and the ranking in Python; the
display step (titles, URLs and highlighting for one page of 10 results) is timed separately.
Queries: --queries varied queries (one to four words with and without marks, phrases
lifted from the rows, document numbers in several spellings, words that match nothing;
a third scoped to a commune, a third to a district, some filtered by type or year), run once
to warm up, then timed.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

TARGET_MS = 50  # median at 100,000 pages on PostgreSQL
PG_NAME = "tincoso_bench_search"

VOCAB = """
thông báo tiêm chủng vắc xin sởi rubella trẻ em trạm y tế xã tổ chức bổ sung kế hoạch phòng chống dịch
bệnh cúm mùa người cao tuổi bán đấu giá quyền sử dụng đất ấp lô ở bàn giao nhà đại đoàn kết hộ nghèo cận
Ủy ban nhân dân Hội đồng mặt trận tổ quốc tết trồng cây đời nhớ ơn Bác Hồ phòng cháy chữa cháy rừng khu
dân cư mùa khô quyết định thành lập ban chỉ đạo chuyển đổi số giai đoạn nghị quyết dự toán ngân sách thu
chi lịch tiếp công dân định kỳ chủ tịch tháng năm giao lưu văn nghệ Hòa Thuận Hoà Bình quốc khánh khánh
thành đường giao thông nông thôn Đại Thôn bê tông nhân dân đóng góp hỗ trợ nông dân thu hoạch lúa Đông
Xuân được mùa giá năng suất tấn gia hạn thẻ bảo hiểm y tế hộ gia đình bưu điện khẩn cấp triều cường mưa
lũ gia cố di dời tài sản an toàn lịch sử hình thành thủ tục đăng ký khai sinh hồ sơ tờ khai giấy chứng
sinh bộ phận một cửa tập huấn công nghệ cộng đồng hướng dẫn cài đặt thanh toán tiền mặt hội thi nấu ăn
ngon phụ nữ liên hiệp nạo vét kênh thủy lợi thuỷ sản xuất tặng bàn ghế học sinh điểm trường dịch tả lợn
châu Phi tiêu độc khử trùng chuồng trại phát động phong trào toàn dân bảo vệ an ninh công nhận danh sách
công văn tăng cường cây trồng thăm đồng rầy nâu hợp tác gạo sạch siêu thị khởi công xây dựng chợ kinh
doanh vốn đầu tư tỷ đồng cử tri bầu cử đại biểu niêm yết văn hoá nước sạch cấp nước lễ hội đồng bào
Khmer đua ghe ngo gương sáng kinh tế giỏi nuôi bò sinh sản lãi triệu thu hồi làm đường huyện mở rộng
điều kiện tự nhiên ven sông phù sa màu mỡ ăn trái khám sức khoẻ nghĩa vụ quân sự thanh niên độ tuổi kết
luận giải quyết kiến nghị ranh giới lãnh đạo phó phụ trách lĩnh vực tiêm phòng dại chó mèo thú y miễn phí
mũi nhắc lại bạch hầu ho gà uốn ván tôm công cao mô hình thẻ chân trắng nhà màng ngư vươn khơi bám biển
tàu cá thiết bị giám sát hành trình bão đổ bộ cấm thuyền tránh trú thiên tai tìm kiếm cứu nạn phê duyệt
phương án sơ tán mạnh siêu thương lái mua tươi bến rừng phòng hộ đoàn viên đước cán bộ tổng kết muối hạt
diêm phấn khởi du lịch sinh thái nổi tiếng học bổng vượt khó suất trao tạm ngừng cung cấp điện lực bảo
trì lưới chấn chỉnh khai thác trái phép xung nộp thuế phi nông nghiệp hạn lở mồm long móng đàn tình nghĩa
chính sách kỷ niệm thương binh liệt sĩ
""".split()

COMMUNE_COUNT = 150  # 10 districts × 15 communes
KINDS = ["news"] * 10 + ["announcement"] * 5 + ["document"] * 3 + ["page"] * 2
SYMBOLS = ["KH-UBND", "QĐ-UBND", "TB-UBND", "NQ-HĐND", "UBND-VP", "BC-UBND", "CT-UBND", "HD-UBND"]


# --- child ------------------------------------------------------------------------------------


def _paths(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
    def step(n):
        out = ""
        for _ in range(4):
            n, r = divmod(n, 36)
            out = alphabet[r] + out
        return out

    province = "0001" + "0002"
    districts = [province + step(2 + d) for d in range(10)]
    communes = [districts[i // 15] + step(2 + i % 15) for i in range(COMMUNE_COUNT)]
    return province, districts, communes, step


def build_rows(n, seed):
    """(rows, queries material). Each row is the tuple of insert_rows' columns."""
    import datetime

    from search.engine import exact_code, folded_words

    rng = random.Random(seed)
    folded = {w: " ".join(folded_words(w)) for w in VOCAB}
    codes = {w: exact_code(w) for w in VOCAB}
    province, districts, communes, step = _paths()
    start = datetime.date(2020, 1, 1)
    rows, numbers, phrases = [], [], []
    counters = [0] * COMMUNE_COUNT
    for i in range(n):
        commune = rng.randrange(COMMUNE_COUNT)
        counters[commune] += 1
        kind = rng.choice(KINDS)
        section = {"news": 2, "announcement": 3, "document": 4, "page": 5}[kind]
        path = communes[commune] + step(section) + step(counters[commune])
        title_words = [rng.choice(VOCAB) for _ in range(rng.randint(6, 12))]
        body_words = [rng.choice(VOCAB) for _ in range(rng.randint(150, 300))]
        date = start + datetime.timedelta(days=rng.randrange(6 * 365))
        number = issuer = ""
        if kind == "document":
            number = f"{rng.randint(1, 300)}/{rng.choice(SYMBOLS)}"
            if rng.random() < 0.3:
                number = number.replace("/", f"/{date.year}/", 1)
            issuer = f"UBND xã {commune}"
            numbers.append(number)
        title = " ".join(title_words).capitalize()
        body = " ".join(body_words)
        if i % 50 == 0:
            at = rng.randrange(len(body_words) - 4)
            phrases.append(body_words[at : at + rng.randint(2, 4)])
        exact = " ".join(dict.fromkeys(codes[w] for w in title_words + body_words if codes[w]))
        rows.append(
            (
                path,
                None,
                f"Xã {commune}",
                kind,
                date,
                date.year,
                title[:255],
                number,
                issuer,
                body,
                " ".join(folded[w] for w in title_words),
                " ".join(folded_words(number)),
                " ".join(folded_words(issuer) + [folded[w] for w in body_words]),
                exact,
            )
        )
    return rows, numbers, phrases, (province, districts, communes)


def insert_rows(connection, rows, batch=2000):
    from django.utils import timezone

    columns = (
        "page_id, path, home_id, source_title, kind, date, year, title, number_symbol, issuer, body, "
        "title_folded, number_key, body_folded, exact_terms, indexed_at"
    )
    now = timezone.now()
    marks = ", ".join(["%s"] * 16)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("""SELECT conname FROM pg_constraint WHERE conrelid = 'search_searchentry'::regclass
                              AND contype = 'f'""")
            for (name,) in cursor.fetchall():
                cursor.execute(f'ALTER TABLE search_searchentry DROP CONSTRAINT "{name}"')
        for start in range(0, len(rows), batch):
            chunk = [(start + i + 1, *row, now) for i, row in enumerate(rows[start : start + batch])]
            cursor.executemany(f"INSERT INTO search_searchentry ({columns}) VALUES ({marks})", chunk)
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO search_searchentry_fts(search_searchentry_fts) VALUES ('optimize')")


def analyze(connection):
    """Outside the transaction (VACUUM cannot run inside one)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE search_searchentry" if connection.vendor == "postgresql" else "ANALYZE")


def make_queries(count, numbers, phrases, tree, seed):
    """[(text, filters dict)]: varied queries, a third scoped to a commune, a third to a district."""
    from wagtail.models import Page

    from core.tree_queries import next_path
    from search.engine import Filters, fold

    rng = random.Random(seed + 1)
    _province, districts, communes = tree
    queries = []
    for i in range(count):
        shape = i % 10
        if shape in (0, 1):
            words = [rng.choice(VOCAB)]
        elif shape in (2, 3, 4):
            words = list(rng.choice(phrases))
        elif shape == 5:
            words = [rng.choice(VOCAB) for _ in range(rng.randint(2, 3))]
        elif shape == 6:
            number = rng.choice(numbers)
            head, _slash, tail = number.rpartition("/")
            words = [rng.choice([number, number.split("-")[0], f"{tail} {head.split('/')[0]}", fold(number)])]
        elif shape == 7:
            words = [rng.choice(VOCAB), rng.choice(["vũ trụ", "xyzabc", "blockchain"])]  # no match
        else:
            words = list(rng.choice(phrases))[:2]
        text = " ".join(words)
        if rng.random() < 0.5:
            text = fold(text)  # typed without marks
        if rng.random() < 0.2:
            text = text.upper()
        scope = i % 3
        lower = upper = None
        if scope == 1:
            lower = rng.choice(communes)
        elif scope == 2:
            lower = rng.choice(districts)
        if lower:
            upper = next_path(lower, Page.alphabet)
        kind = rng.choice([None, None, None, "news", "announcement", "document"])
        year = rng.choice([None] * 5 + [2023, 2024])
        queries.append((text, Filters(lower, upper, kind, year)))
    return queries


def child_run(a):
    c.django_setup(a.db_url)
    from django.core.management import call_command
    from django.db import connection, transaction
    from machine import machine_info

    from search import engine as search

    call_command("migrate", verbosity=0, interactive=False)
    t0 = time.perf_counter()
    rows, numbers, phrases, tree = build_rows(a.size, a.seed)
    t1 = time.perf_counter()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # outside a transaction, or SQLite ignores it
            cursor.execute("PRAGMA foreign_keys = OFF")
    with transaction.atomic():
        insert_rows(connection, rows)
    analyze(connection)
    t2 = time.perf_counter()
    del rows
    queries = make_queries(a.queries, numbers, phrases, tree, a.seed)

    for text, filters in queries:  # warm-up: caches, plans, the OS's file cache
        search.search(search.parse_query(text), filters)
    times, display, totals = [], [], []
    for text, filters in queries:
        t = time.perf_counter()
        results = search.search(search.parse_query(text), filters)
        times.append(time.perf_counter() - t)
        totals.append(results.total)
        # Display of one page of results: entries + highlighting (URLs need real pages).
        t = time.perf_counter()
        ids = results.page_ids(1)
        from search.models import SearchEntry

        for entry in SearchEntry.objects.filter(page_id__in=ids):
            search.highlight(entry.title, results.query.distinct, width=None)
            search.highlight(entry.body, results.query.distinct)
        display.append(time.perf_counter() - t)

    def pct(values, p):
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    c.emit(
        {
            "generate_s": t1 - t0,
            "insert_s": t2 - t1,
            "median_ms": statistics.median(times) * 1000,
            "p95_ms": pct(times, 95) * 1000,
            "max_ms": max(times) * 1000,
            "display_median_ms": statistics.median(display) * 1000,
            "matches_median": statistics.median(totals),
            "matches_max": max(totals),
            "no_match": sum(1 for t in totals if t == 0),
            "queries": len(times),
            "machine": machine_info(),
        }
    )


# --- parent ---------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db-url", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.child:
        return child_run(a)

    from machine import machine_line

    sizes = [int(s) for s in a.sizes.split(",")]
    databases = [d for d in ("sqlite", "postgres") if a.only in (None, d)]
    rows, machine = [], None
    for database in databases:
        for size in sizes:
            tmp = None
            if database == "sqlite":
                tmp = Path(tempfile.mkdtemp(prefix="tincoso-bench-search-")) / "search.sqlite3"
                url = c.sqlite_url(tmp)
            else:
                url = c.pg_create(PG_NAME)
            print(f"{database}, {size:,} rows …", flush=True)
            try:
                result, wall = c.run_child(
                    __file__,
                    [
                        "--child",
                        "--db-url",
                        url,
                        "--size",
                        str(size),
                        "--queries",
                        str(a.queries),
                        "--seed",
                        str(a.seed),
                    ],
                )
            finally:
                if not a.keep:
                    if tmp:
                        c.remove_sqlite(tmp)
                    else:
                        c.pg_drop(PG_NAME)
            machine = result["machine"]
            db_name = machine["database"]
            target = ""
            if database == "postgres" and size >= 100_000:
                target = "met" if result["median_ms"] < TARGET_MS else "NOT met"
            rows.append(
                (
                    db_name,
                    f"{size:,}",
                    f"{result['median_ms']:.1f}",
                    f"{result['p95_ms']:.1f}",
                    f"{result['max_ms']:.1f}",
                    f"{result['display_median_ms']:.1f}",
                    f"{result['matches_median']:,.0f} / {result['matches_max']:,}",
                    f"{result['insert_s']:.0f}",
                    f"{machine.get('load_1min') or 0:.1f}",
                    f"< {TARGET_MS} ms: {target}" if target else "",
                )
            )
            print(f"  median {result['median_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms ({wall:.0f} s)", flush=True)
    print()
    print(machine_line(machine) if machine else "")
    print(f"{a.queries} queries, seed {a.seed}")
    print(
        c.table(
            [
                "database",
                "indexed pages",
                "median (ms)",
                "p95 (ms)",
                "max (ms)",
                "display 10 (ms)",
                "matches median / max",
                "bulk insert (s)",
                "load",
                "target",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
