"""The backup drill (README "Backups", core/backup.py): seed an installation, back it up, destroy
it, restore into a fresh database and fresh folders, and find every page, question, board
playlist, file and audit entry back (rows per model and every file's sha256 equal, a page and a
citizen's photo served). Refusals: a damaged or cut archive, a non-empty database without --yes,
the other engine, a missing tool or file, an unwritable folder; rotation keeps the N newest.

Everything runs as real subprocesses (`manage.py backup`, `manage.py restore`,
tests/core/backup_drill.py) with DATABASE_URL, MEDIA_ROOT and PRIVATE_MEDIA_ROOT pointing at
places of their own, never at pytest's test database: fresh SQLite files in tmp, or, when the
tests run on PostgreSQL (CI's second run), fresh databases tincoso_drill_<random> that are
dropped at the end. Each CI run drills its own engine.
"""

import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DRILL = ROOT / "tests" / "core" / "backup_drill.py"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))
ENGINE = "PostgreSQL" if POSTGRES else "SQLite"
ARCHIVE = re.compile(r"Đã sao lưu vào (\S+\.tar) \(")


def _pg_admin_url():
    return urlunsplit(urlsplit(DATABASE_URL)._replace(path="/postgres"))


def _pg_url(name):
    return urlunsplit(urlsplit(DATABASE_URL)._replace(path="/" + name))


class Place:
    """One installation's data: a database (a SQLite file, or a PostgreSQL database of its own)
    and its MEDIA_ROOT and PRIVATE_MEDIA_ROOT."""

    def __init__(self, folder, postgres):
        self.folder = folder
        self.media = folder / "media"
        self.private = folder / "private"
        self.pg_name = None
        if postgres:
            import psycopg

            self.pg_name = f"tincoso_drill_{secrets.token_hex(5)}"
            with psycopg.connect(_pg_admin_url(), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')
            self.database_url = _pg_url(self.pg_name)
        else:
            self.sqlite = folder / "db.sqlite3"
            self.database_url = f"sqlite:///{self.sqlite}"

    @property
    def env(self):
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "MEDIA_ROOT": str(self.media),
            "PRIVATE_MEDIA_ROOT": str(self.private),
            "DEBUG": "1",
            "TINCOSO_DEMO": "1",
            "LOG_LEVEL": "ERROR",
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("SECRET_KEY", "REDIS_URL", "MQTT_URL", "BACKUP_DIR"):
            env.pop(name, None)
        return env

    def run(self, *args, timeout=600):
        return subprocess.run(
            [sys.executable, *map(str, args)], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def manage(self, *args):
        return self.run("manage.py", *args)

    def probe(self):
        done = self.run(DRILL, "probe")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    def sql(self, query):
        if self.pg_name:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as conn:
                cursor = conn.execute(query)
                return cursor.fetchall() if cursor.description else None
        with sqlite3.connect(self.sqlite) as conn:
            return conn.execute(query).fetchall()

    def table_count(self):
        """Tables in the database; 0 for a SQLite file that is not there."""
        if self.pg_name:
            return self.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")[0][0]
        if not self.sqlite.exists():
            return 0
        return self.sql("SELECT count(*) FROM sqlite_master WHERE type = 'table'")[0][0]

    def destroy(self):
        if self.pg_name:
            import psycopg

            with psycopg.connect(_pg_admin_url(), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    made = []

    def make(name, postgres=POSTGRES):
        place = Place(tmp_path_factory.mktemp(name), postgres)
        made.append(place)
        return place

    yield make
    for place in made:
        place.destroy()


def _ok(done):
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def _backup(place, *args):
    done = _ok(place.manage("backup", "--no-progress", *args))
    return Path(ARCHIVE.search(done.stdout).group(1)), done


@pytest.fixture(scope="module")
def seeded(places, tmp_path_factory):
    """The original: Trà Vinh provisioned, demo content in two communes of Càng Long and their
    portal, every demo board with one LED board's playlist rendered, a citizen's question with a
    photo, audit log entries; backed up once, then probed (what is there, by the test's own
    count: rows per model, every file's sha256, a page and the photo served)."""
    source = places("source")
    _ok(source.run(DRILL, "seed"))
    archive, done = _backup(source, "--output", tmp_path_factory.mktemp("backups"))
    return {"source": source, "archive": archive, "backup_stdout": done.stdout, "before": source.probe()}


def test_drill_brings_back_every_page_question_playlist_file_and_audit_entry(seeded, places):
    before = seeded["before"]
    counts = before["counts"]
    # The original holds what the drill is about (otherwise the comparison below proves nothing).
    assert counts["wagtailcore.Page"] > 800 and counts["cms_pages.NewsPage"] >= 5
    assert counts["inquiries.Inquiry"] >= 1 and counts["inquiries.InquiryPhoto"] == 1
    assert counts["boards.PlaylistVersion"] >= 1 and counts["boards.RenderedFile"] >= 1
    assert counts["wagtailcore.PageLogEntry"] > 0 and counts["wagtailcore.ModelLogEntry"] == 2
    assert len(before["files"]["private"]) == 1 and len(before["files"]["media"]) > counts["boards.RenderedFile"]
    assert before["page"]["status"] == 200 and before["page"]["has_title"]
    assert before["photo"]["status"] == 200 and before["missing_files"] == []
    assert f"cơ sở dữ liệu {ENGINE}" in seeded["backup_stdout"]

    seeded["source"].destroy()  # the machine is lost: database dropped, folders gone
    assert not seeded["source"].media.exists()

    fresh = places("restored")
    done = _ok(fresh.manage("restore", seeded["archive"], "--no-progress"))
    assert "Khôi phục xong: mọi bảng và mọi tệp khớp với bản sao lưu." in done.stdout
    assert re.search(r"Trang\s+[\d.]+\s+[\d.]+\s+khớp", done.stdout)
    assert re.search(r"Tệp riêng tư \(ảnh công dân, văn bản chỉ đạo\)\s+1\s+1\s+khớp", done.stdout)
    assert "KHÁC" not in done.stdout

    after = fresh.probe()
    assert after["counts"] == before["counts"]
    assert after["files"] == before["files"]
    assert after["missing_files"] == [] and after["playlist_files"] == before["playlist_files"]
    assert after["page"] == before["page"]
    assert after["photo"] == before["photo"]


def _flip_byte(archive, member_prefix, target):
    shutil.copyfile(archive, target)
    with tarfile.open(target) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith(member_prefix))
    with open(target, "r+b") as handle:
        handle.seek(member.offset_data + member.size // 2)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0xFF]))
    return member.name


def test_a_damaged_archive_is_refused_naming_the_file_and_nothing_is_changed(seeded, small, places, tmp_path):
    damaged = tmp_path / "hong.tar"
    name = _flip_byte(seeded["archive"], "private/inquiries/", damaged)

    checked = small.manage("backup", "--verify", damaged, "--no-progress")
    assert checked.returncode == 1
    assert f"{name}: mã kiểm tra sha256 không khớp (tệp bị hỏng)" in checked.stderr
    good = _ok(small.manage("backup", "--verify", seeded["archive"], "--no-progress"))
    assert "còn nguyên vẹn" in good.stdout

    target = places("damaged")
    refused = target.manage("restore", damaged, "--no-progress")
    assert refused.returncode == 1
    assert "bị hỏng, không khôi phục gì cả" in refused.stderr and name in refused.stderr
    assert target.table_count() == 0
    assert not target.media.exists() and not target.private.exists()

    cut = tmp_path / "thieu.tar"
    cut.write_bytes(seeded["archive"].read_bytes()[: seeded["archive"].stat().st_size // 2])
    refused = target.manage("restore", cut, "--no-progress")
    assert refused.returncode == 1
    assert "không có danh mục manifest.json" in refused.stderr or "không đầy đủ" in refused.stderr
    assert target.table_count() == 0
    assert not target.media.exists() and not target.private.exists()


def test_restoring_over_a_database_with_data_needs_yes(seeded, places):
    busy = places("busy")
    _ok(busy.manage("restore", seeded["archive"], "--no-progress"))
    # Life goes on after the backup: audit entries deleted, a rendered file lost.
    busy.sql("DELETE FROM wagtailcore_modellogentry")
    rendered = next(p for p in busy.media.rglob("*.png") if "boards" in p.parts)
    rendered.unlink()

    refused = busy.manage("restore", seeded["archive"], "--no-progress")
    assert refused.returncode == 1
    assert "đang có dữ liệu" in refused.stderr and "--yes" in refused.stderr and "Không thay đổi gì" in refused.stderr
    assert busy.sql("SELECT count(*) FROM wagtailcore_modellogentry")[0][0] == 0
    assert not rendered.exists()

    if POSTGRES:  # a site still connected would hold pg_restore --clean on its locks for ever
        import psycopg

        with psycopg.connect(busy.database_url, application_name="gunicorn") as still_running:
            still_running.execute("SELECT 1")
            refused = busy.manage("restore", seeded["archive"], "--yes", "--no-progress")
        assert refused.returncode == 1
        assert "Có 1 kết nối khác" in refused.stderr and "gunicorn" in refused.stderr
        assert busy.sql("SELECT count(*) FROM wagtailcore_modellogentry")[0][0] == 0

    done = _ok(busy.manage("restore", seeded["archive"], "--yes", "--no-progress"))
    assert "Khôi phục xong" in done.stdout
    assert busy.sql("SELECT count(*) FROM wagtailcore_modellogentry")[0][0] == 2
    assert rendered.is_file()
    after = busy.probe()
    assert after["counts"] == seeded["before"]["counts"]
    assert after["files"] == seeded["before"]["files"]


def test_an_archive_of_the_other_engine_is_refused(seeded, places, tmp_path):
    # The archive is of this run's engine; the target is the other one.
    if POSTGRES:
        other = places("other-engine", postgres=False)
        env = other.env
    else:
        other = None
        env = {**seeded["source"].env, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tincoso_drill_never_made"}
        env["MEDIA_ROOT"], env["PRIVATE_MEDIA_ROOT"] = str(tmp_path / "media"), str(tmp_path / "private")
    refused = subprocess.run(
        [sys.executable, "manage.py", "restore", str(seeded["archive"]), "--yes", "--no-progress"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert refused.returncode == 1
    theirs = "SQLite" if POSTGRES else "PostgreSQL"
    assert f"Bản sao lưu là của {ENGINE}, hệ thống đang dùng {theirs}" in refused.stderr
    assert "không khôi phục được chéo" in refused.stderr
    assert not Path(env["MEDIA_ROOT"]).exists()
    if other is not None:
        assert not other.sqlite.exists()


@pytest.fixture(scope="module")
def small(places):
    """A database with one table and nothing else: enough to back up, quick to do it often."""
    place = places("small")
    if place.pg_name:
        place.sql("CREATE TABLE ghi_chu (id serial PRIMARY KEY, noi_dung text)")
        place.sql("INSERT INTO ghi_chu (noi_dung) VALUES ('một'), ('hai')")
    else:
        place.sql("CREATE TABLE ghi_chu (id INTEGER PRIMARY KEY, noi_dung TEXT)")
        place.sql("INSERT INTO ghi_chu (noi_dung) VALUES ('một'), ('hai')")
    place.media.mkdir()
    (place.media / "a.txt").write_text("tệp media\n")
    place.private.mkdir()
    (place.private / "anh.jpg").write_bytes(b"\xff\xd8 anh cua cong dan")
    return place


def test_rotation_keeps_the_n_newest_archives_and_nothing_else_is_touched(small, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "ghi-chu.txt").write_text("không phải bản sao lưu\n")
    (folder / "tincoso-ban-chep-tay.tar").write_bytes(b"")  # not the archive name pattern
    made = [_backup(small, "--output", folder, "--keep", "2")[0] for _ in range(3)]
    assert len(set(made)) == 3
    archives = sorted(p.name for p in folder.glob("tincoso-*.tar") if p.name != "tincoso-ban-chep-tay.tar")
    assert archives == sorted(p.name for p in made[1:])
    assert (folder / "ghi-chu.txt").is_file() and (folder / "tincoso-ban-chep-tay.tar").is_file()
    assert not list(folder.glob(".*")), "no partial file is left behind"
    assert (made[-1].stat().st_mode & 0o777) == 0o600

    refused = small.manage("backup", "--output", folder, "--keep", "0", "--no-progress")
    assert refused.returncode == 1 and "--keep phải từ 1 trở lên" in refused.stderr


def test_backup_refuses_a_folder_it_cannot_write(small, tmp_path):
    blocker = tmp_path / "la-tep"
    blocker.write_text("một tệp, không phải thư mục\n")
    refused = small.manage("backup", "--output", blocker / "sao-luu", "--no-progress")
    assert refused.returncode == 1
    assert f"Không ghi được vào thư mục sao lưu {blocker / 'sao-luu'}" in refused.stderr
    assert blocker.read_text() == "một tệp, không phải thư mục\n"


def test_backup_refuses_without_its_database_tool_or_file(small, places, tmp_path):
    out = tmp_path / "backups"
    if POSTGRES:
        empty = tmp_path / "khong-co-pg"
        empty.mkdir()
        refused = small.manage("backup", "--output", out, "--pg-bin", empty, "--no-progress")
        assert refused.returncode == 1
        assert f"Không tìm thấy pg_dump trong {empty}" in refused.stderr and "postgresql-client-" in refused.stderr
        # A pg_dump of an older major version than the server (here one that only says so).
        old = tmp_path / "pg-cu"
        old.mkdir()
        (old / "pg_dump").write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
        (old / "pg_dump").chmod(0o755)
        refused = small.manage("backup", "--output", out, "--pg-bin", old, "--no-progress")
        assert refused.returncode == 1
        assert "pg_dump không đúng phiên bản" in refused.stderr and "9.6.24" in refused.stderr
    else:
        gone = places("gone")  # its SQLite file was never made
        refused = gone.manage("backup", "--output", out, "--no-progress")
        assert refused.returncode == 1
        assert f"Không có tệp cơ sở dữ liệu SQLite {gone.sqlite}" in refused.stderr
        assert not gone.sqlite.exists()
    assert not out.exists() or not any(out.iterdir())


def test_with_media_in_an_s3_bucket_the_archive_says_so_and_keeps_the_citizens_photos(small, tmp_path):
    env = {**small.env, "AWS_STORAGE_BUCKET_NAME": "tincoso-media-tra-vinh"}
    done = subprocess.run(
        [sys.executable, "manage.py", "backup", "--output", str(tmp_path), "--no-progress"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    _ok(done)
    assert "bucket S3 “tincoso-media-tra-vinh”, KHÔNG có trong bản sao lưu này" in done.stderr
    archive = Path(ARCHIVE.search(done.stdout).group(1))
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert "private/anh.jpg" in names and not any(n.startswith("media/") for n in names)
    assert manifest["media"] == {
        "included": False,
        "storage": "s3",
        "bucket": "tincoso-media-tra-vinh",
        "root": str(small.media),
    }
