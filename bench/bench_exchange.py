"""The exchange between installations (exchange/): signing and checking messages, and receiving
items end to end.

    .venv/bin/python bench/bench_exchange.py                 # SQLite
    .venv/bin/python bench/bench_exchange.py --items 300     # more items
    .venv/bin/python bench/bench_exchange.py --postgres      # PostgreSQL (must be running)

1. Signatures (exchange/signing.py, no database): `sign` and `verify` of a source item's JSON
   (about 2 KB), --signs times each: messages per second and µs per message.
2. Receiving (a throwaway database, migrated, Trà Vinh provisioned): a peer paired, then --items
   signed source items POSTed through Django's whole request stack (django.test.Client: the
   signature, the nonce, the JSON, the unit codes, the page created and published in the
   province's "Thông tin nguồn", the outbox's signal, the log line), each targeted at one commune;
   then each sent again with a higher version (an update) and once more unchanged (a repeat).
   Median and p95 ms per message, messages per second, SQL queries of one message.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

PG_NAME = "tincoso_bench_exchange"


def bench_signatures(n):
    c.setup_paths()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from exchange import signing

    key = Ed25519PrivateKey.generate()
    public = signing.public_bytes(key)
    key_id = "ed25519:" + "0" * 32
    body = json.dumps(_message("84001", 1, 1), ensure_ascii=False).encode()
    path = "/api/lien-thong/v1/source-items/"
    t0 = time.perf_counter()
    signed = [signing.sign(key, key_id, "POST", path, body) for _ in range(n)]
    sign_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for headers in signed:
        signing.verify(headers, "POST", path, "", body, lambda _: public)
    verify_s = time.perf_counter() - t0
    return {"bytes": len(body), "sign_s": sign_s, "verify_s": verify_s, "n": n}


def _message(code, number, version, title=None, recipient=""):
    return {
        "version": 1,
        "id": str(uuid.uuid4()),
        "type": "source_item",
        "sent_at": "2026-12-06T08:00:00Z",
        "sender": {"unit_code": "00", "name": "Trung ương"},
        "recipient": recipient,
        "action": "publish",
        "item": {
            "remote_id": f"tin-{number}",
            "version": version,
            "title": title or f"Thông tin nguồn số {number}: hướng dẫn phòng chống dịch bệnh mùa mưa",
            "summary": "Người dân chủ động diệt lăng quăng, ngủ màn, đến trạm y tế khi sốt cao. " * 3,
            "valid_from": "2026-01-01T00:00:00Z",
            "priority": "normal",
            "body": [
                {"type": "heading", "text": "Biện pháp phòng bệnh"},
                {"type": "paragraph", "text": "Súc rửa dụng cụ chứa nước mỗi tuần.\nThả cá diệt lăng quăng.\n" * 8},
            ],
            "targets": [code],
        },
    }


def child_run(a):
    c.django_setup(a.db_url, debug=True)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from machine import machine_info

    from areas.models import AreaPage, CommuneHomePage
    from exchange import keys, signing
    from exchange.models import Peer, fingerprint

    settings.ALLOWED_HOSTS = ["*"]
    settings.EXCHANGE_PRIVATE_KEY = keys.seed_b64(Ed25519PrivateKey.generate())
    peer_key = Ed25519PrivateKey.generate()
    province = AreaPage.objects.get(structure="2024", level="province", code="84")
    Peer.objects.create(
        owner=province, name="Trung ương", base_url="http://127.0.0.1:9", public_key=signing.public_key_b64(peer_key)
    )
    key_id = fingerprint(signing.public_key_b64(peer_key))
    codes = list(
        CommuneHomePage.objects.filter(structure="2024", path__startswith=province.path).values_list("code", flat=True)
    )
    client = Client()
    path = "/api/lien-thong/v1/source-items/"

    def send(message):
        body = json.dumps(message, ensure_ascii=False).encode()
        headers = signing.sign(peer_key, key_id, "POST", path, body)
        t0 = time.perf_counter()
        response = client.post(path, data=body, content_type="application/json", headers=headers)
        elapsed = time.perf_counter() - t0
        if response.status_code != 200:
            raise SystemExit(f"{response.status_code}: {response.content[:300]!r}")
        return elapsed, response.json()["status"]

    steps = []
    for label, version, title in (
        ("new item", 1, None),
        ("update (version + 1)", 2, "Đã cập nhật"),
        ("repeat (unchanged)", 2, "Đã cập nhật"),
    ):
        times, statuses, queries = [], set(), None
        for number in range(a.items):
            reset_queries()
            elapsed, status = send(_message(codes[number % len(codes)], number, version, title, keys.key_id()))
            if queries is None:
                queries = len(connection.queries)  # DEBUG is on: the first message's queries
            times.append(elapsed)
            statuses.add(status)
        steps.append({"label": label, "times": times, "statuses": sorted(statuses), "queries": queries})
    c.emit(
        {"steps": steps, "communes": len(codes), "machine": machine_info(connection), "peak_rss_mib": c.peak_rss_mib()}
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--items", type=int, default=150)
    parser.add_argument("--signs", type=int, default=5000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db-url", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.child:
        return child_run(a)

    from machine import machine_line

    signatures = bench_signatures(a.signs)
    tmp = Path(tempfile.mkdtemp(prefix="tincoso-bench-exchange-"))
    url = c.pg_create(PG_NAME) if a.postgres else c.sqlite_url(tmp / "db.sqlite3")
    env = c.bench_env(url, tmp)
    try:
        c.migrate_and_provision(env)
        print(f"receive {a.items} items, their updates and repeats …", flush=True)
        result, _ = c.run_child(
            __file__, ["--child", "--db-url", url, "--items", str(a.items)], env={"MEDIA_ROOT": str(tmp / "media")}
        )
    finally:
        if not a.keep:
            if a.postgres:
                c.pg_drop(PG_NAME)
            else:
                c.remove_sqlite(tmp / "db.sqlite3")

    print()
    print(machine_line(result["machine"]))
    n = signatures["n"]
    print(
        f"signatures (Ed25519, RFC 9421 base, {signatures['bytes']} B body, {n} each): "
        f"sign {n / signatures['sign_s']:,.0f}/s ({signatures['sign_s'] / n * 1e6:.0f} µs), "
        f"verify {n / signatures['verify_s']:,.0f}/s ({signatures['verify_s'] / n * 1e6:.0f} µs)"
    )
    rows = []
    for step in result["steps"]:
        times = step["times"]
        rows.append(
            (
                step["label"],
                ", ".join(step["statuses"]),
                f"{statistics.median(times) * 1000:.1f}",
                f"{c.percentile(times, 95) * 1000:.1f}",
                f"{len(times) / sum(times):.1f}",
                step["queries"],
            )
        )
    print()
    print(c.table(["received", "answer", "median ms", "p95 ms", "messages/s", "SQL queries"], rows))
    print(
        f"\n{a.items} items over {result['communes']} communes; peak RSS of the child {result['peak_rss_mib']:.0f} MiB"
    )


if __name__ == "__main__":
    main()
