"""Backups that restore: `manage.py backup` and `manage.py restore` (README "Backups", the
sysadmin's guide docs/huong-dan/sao-luu.md).

One backup is one tar archive, ``tincoso-YYYYmmdd-HHMMSS.tar`` (mode 0600: it holds citizens'
personal data and the staff's password hashes):

    database.dump       PostgreSQL: ``pg_dump --format=custom`` of the configured database
    database.sqlite3    SQLite: a copy made through the online backup API (safe while the site writes)
    media/…             MEDIA_ROOT, unless media live in an S3 bucket (then the manifest says so)
    private/…           PRIVATE_MEDIA_ROOT: citizens' photos
    manifest.json       last: format, time, versions, engine, every file with its size and sha256,
                        the row count of every table of the database

The counts are taken in the dump's own snapshot (PostgreSQL: the counting transaction exports its
snapshot and pg_dump runs with ``--snapshot``; SQLite: counted in the copy), so the restore can be
checked against them exactly even though the site kept writing during the backup. The database is
dumped before the files, so every file the dump refers to was already on disk.

A restore reads the whole archive and checks every checksum before it touches anything, refuses
an archive of the other engine and, without ``yes``, a database that already has tables; then it
restores the database (pg_restore in one transaction; SQLite through the backup API), writes the
files, and counts again: every table and every file must match the manifest.

`core` is the lowest layer: the models it counts are named by label (apps.get_model), never
imported.
"""

import contextlib
import errno
import hashlib
import io
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone
from tqdm import tqdm

FORMAT = "tincoso-backup"
VERSION = 1
MANIFEST = "manifest.json"
DB_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
ENGINE_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
ROOTS = ("media", "private")  # archive folder → settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT
ARCHIVE_NAME = re.compile(r"^tincoso-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?\.tar$")
CHUNK = 1 << 20

# What the summary and the restore's table show by name; every other table is checked too.
IMPORTANT = [
    ("wagtailcore.Page", "Trang"),
    ("wagtailcore.Revision", "Phiên bản trang"),
    ("wagtailcore.PageLogEntry", "Nhật ký trang"),
    ("wagtailcore.ModelLogEntry", "Nhật ký đối tượng"),
    ("wagtailcore.Site", "Site"),
    ("wagtailimages.Image", "Ảnh"),
    ("wagtailimages.Rendition", "Ảnh thu nhỏ"),
    ("wagtaildocs.Document", "Tài liệu"),
    ("inquiries.Inquiry", "Câu hỏi, phản ánh"),
    ("inquiries.InquiryPhoto", "Ảnh công dân gửi"),
    ("inquiries.InquiryEvent", "Lịch sử xử lý câu hỏi"),
    ("boards.Board", "Bảng điện tử, cụm loa"),
    ("boards.PlaylistVersion", "Danh sách phát"),
    ("boards.RenderedFile", "Tệp đã dựng"),
    ("station.Programme", "Chương trình thu sẵn"),
    ("directives.Directive", "Văn bản chỉ đạo"),
    ("directives.DirectiveRecipient", "Nơi nhận văn bản chỉ đạo"),
    ("exchange.Peer", "Hệ thống liên thông"),
    ("auth.User", "Tài khoản"),
]
ROOT_NAMES = {"media": "Tệp media", "private": "Tệp riêng tư (ảnh công dân, văn bản chỉ đạo)"}


class BackupError(Exception):
    """A refusal or a failure, said in Vietnamese; nothing was changed unless it says so."""


# --- small helpers ----------------------------------------------------------------------------


def vn_int(n):
    return f"{n:,}".replace(",", ".")


def vn_size(n):
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}".replace(".", ",")
    return f"{n} byte"


def vn_seconds(s):
    return f"{s:.1f}".replace(".", ",") + " giây"


def _bar(total, desc, progress, unit="B"):
    byte_units = {"unit_scale": True, "unit_divisor": 1024} if unit == "B" else {}
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        disable=None if progress else True,
        dynamic_ncols=True,
        **byte_units,
    )


def engine():
    """'postgresql' or 'sqlite', from the settings' default database; anything else is refused."""
    name = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in name:
        return "postgresql"
    if "sqlite3" in name:
        return "sqlite"
    raise BackupError(f"Chỉ sao lưu và khôi phục được PostgreSQL và SQLite, không phải {name}.")


def _database_label():
    db = settings.DATABASES["default"]
    if engine() == "sqlite":
        return f"SQLite {db['NAME']}"
    where = db.get("HOST") or "socket"
    if db.get("PORT"):
        where += f":{db['PORT']}"
    return f"PostgreSQL “{db['NAME']}” ({where})"


def media_included():
    """False when MEDIA_ROOT is not where media live (S3-compatible storage)."""
    backend = settings.STORAGES["default"]["BACKEND"]
    return backend == "django.core.files.storage.FileSystemStorage"


def bucket():
    return getattr(settings, "AWS_STORAGE_BUCKET_NAME", None) or os.environ.get("AWS_STORAGE_BUCKET_NAME", "")


def _roots():
    """{archive folder: local folder} of what a backup holds."""
    roots = {"private": Path(settings.PRIVATE_MEDIA_ROOT)}
    if media_included():
        roots = {"media": Path(settings.MEDIA_ROOT), **roots}
    return roots


def _safe_name(name):
    """An archive member's path, or None when it could escape its folder."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(part in ("", ".", "..") for part in path.parts) or "\\" in name:
        return None
    return path


class _Hashing:
    """A read-only file wrapper that hashes what is read and moves a progress bar."""

    def __init__(self, handle, bar=None):
        self.handle = handle
        self.bar = bar
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n=-1):
        data = self.handle.read(n)
        self.sha.update(data)
        self.size += len(data)
        if self.bar is not None:
            self.bar.update(len(data))
        return data


def _sha256_file(path, bar=None):
    with open(path, "rb") as handle:
        reader = _Hashing(handle, bar)
        while reader.read(CHUNK):
            pass
    return reader.size, reader.sha.hexdigest()


def _git_commit():
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


def _versions():
    import django
    import wagtail

    return {
        "commit": _git_commit(),
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "python": sys.version.split()[0],
    }


# --- counting ---------------------------------------------------------------------------------


def _tables(cursor, vendor):
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        return [(None, row[0]) for row in cursor.fetchall()]
    cursor.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2"
    )
    return [("" if schema == "public" else schema, name) for schema, name in cursor.fetchall()]


def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def count_rows(cursor, vendor):
    """{table: rows} of every table of the database the cursor is on (schema-qualified outside
    public). SQLite virtual tables whose module is missing here are left out."""
    counts = {}
    for schema, name in _tables(cursor, vendor):
        key = f"{schema}.{name}" if schema else name
        target = f"{_quote(schema)}.{_quote(name)}" if schema else _quote(name)
        try:
            cursor.execute(f"SELECT COUNT(*) FROM {target}")  # names from the catalogue, quoted
        except sqlite3.OperationalError:
            continue
        counts[key] = cursor.fetchone()[0]
    return counts


def _last_migrations(cursor, counts):
    if "django_migrations" not in counts:  # (a failed query would abort PostgreSQL's snapshot)
        return {}
    cursor.execute("SELECT app, name FROM django_migrations")
    last = {}
    for app, name in cursor.fetchall():
        last[app] = max(last.get(app, ""), name)
    return dict(sorted(last.items()))


def important_tables():
    """[(table, Vietnamese name)] of IMPORTANT, for the installed apps."""
    found = []
    for label, name in IMPORTANT:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        found.append((model._meta.db_table, name))
    return found


# --- PostgreSQL tools -------------------------------------------------------------------------


def _pg_env():
    """libpq's environment for pg_dump/pg_restore: the settings' database, the password in
    PGPASSWORD (never on a command line)."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("NAME", "PGDATABASE")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    libpq = {
        "sslmode": "PGSSLMODE",
        "sslrootcert": "PGSSLROOTCERT",
        "sslcert": "PGSSLCERT",
        "sslkey": "PGSSLKEY",
        "options": "PGOPTIONS",
        "connect_timeout": "PGCONNECT_TIMEOUT",
    }
    for option, var in libpq.items():
        value = (db.get("OPTIONS") or {}).get(option)
        if value:
            env[var] = str(value)
    env.setdefault("PGCONNECT_TIMEOUT", "15")
    env["PGAPPNAME"] = "tincoso-backup"
    return env


def _tool_major(path):
    try:
        done = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=15)
    except (OSError, subprocess.SubprocessError):
        return None, ""
    text = done.stdout.strip()
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", text)
    return (int(match.group(1)) if match else None), text


def pg_tool(name, pg_bin=None, need_major=0, prefer_major=None):
    """(path, version text) of pg_dump or pg_restore at least `need_major`: from --pg-bin only,
    or PATH then Debian's /usr/lib/postgresql/<major>/bin. Refused with the package to install."""
    if pg_bin:
        candidates = [Path(pg_bin) / name]
    else:
        candidates = [Path(p) for p in [shutil.which(name)] if p]
        for major in dict.fromkeys(m for m in (prefer_major, need_major) if m):
            candidates.append(Path(f"/usr/lib/postgresql/{major}/bin/{name}"))
    seen = []
    for path in candidates:
        if not (path.is_file() and os.access(path, os.X_OK)):
            continue
        major, text = _tool_major(path)
        if major is not None and major >= need_major:
            return path, text
        seen.append(f"{path} ({text or 'không rõ phiên bản'})")
    package = f"postgresql-client-{need_major or prefer_major}"
    if not seen:
        where = f" trong {pg_bin}" if pg_bin else " (PATH, /usr/lib/postgresql/*/bin)"
        raise BackupError(
            f"Không tìm thấy {name}{where}. Cài gói {package} (Debian, Ubuntu: apt install {package}) "
            "hoặc chỉ thư mục chứa nó bằng --pg-bin."
        )
    raise BackupError(
        f"{name} không đúng phiên bản: {'; '.join(seen)}. Cần phiên bản chính {need_major} trở lên "
        f"(máy chủ hoặc bản sao lưu dùng PostgreSQL {need_major}). Cài gói {package} hoặc chỉ thư mục chứa nó bằng --pg-bin."
    )


def _server_major():
    connection.ensure_connection()
    return connection.pg_version // 10000


def _server_version():
    v = connection.pg_version
    return f"{v // 10000}.{v % 100}"


def _run_pg(command, *, total, desc, progress, marker, env=None):
    """Run pg_dump/pg_restore --verbose; each stderr line with `marker` moves the bar one table.
    Non-zero exit → BackupError with the tool's own error lines."""
    lines = []
    with _bar(total, desc, progress, unit=" bảng") as bar:
        proc = subprocess.Popen(
            command,
            env=env or _pg_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        for line in proc.stderr:
            if marker in line:
                bar.update(1)
            else:
                lines.append(line.rstrip())
        proc.wait()
    if proc.returncode != 0:
        errors = [line for line in lines if "error" in line.lower() or "lỗi" in line.lower()] or lines[-8:]
        raise BackupError(f"{Path(command[0]).name} thất bại (mã {proc.returncode}):\n  " + "\n  ".join(errors[-12:]))


# --- the database part of a backup ------------------------------------------------------------


@dataclass
class DatabaseDump:
    path: Path
    info: dict
    counts: dict
    migrations: dict


def _dump_sqlite(target):
    name = Path(settings.DATABASES["default"]["NAME"])
    if not name.is_file():
        raise BackupError(f"Không có tệp cơ sở dữ liệu SQLite {name}.")
    started = time.monotonic()
    source = sqlite3.connect(name.resolve().as_uri() + "?mode=ro", uri=True, timeout=20)
    copy = sqlite3.connect(target)
    try:
        # One step: a read snapshot of the whole file; in WAL mode the site's writers go on.
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        check = copy.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"Cơ sở dữ liệu SQLite {name} bị hỏng (quick_check: {check}); không sao lưu.")
        cursor = copy.cursor()
        counts = count_rows(cursor, "sqlite")
        migrations = _last_migrations(cursor, counts)
    finally:
        copy.close()
        source.close()
    info = {
        "engine": "sqlite",
        "name": name.name,
        "server_version": f"SQLite {sqlite3.sqlite_version}",
        "tool": "sqlite3 online backup API",
        "seconds": round(time.monotonic() - started, 3),
    }
    return DatabaseDump(Path(target), info, counts, migrations)


def _pg_dump_tool(pg_bin):
    """pg_dump fit for the configured server, checked before anything is written."""
    try:
        major = _server_major()
    except DatabaseError as exc:
        raise BackupError(f"Không kết nối được {_database_label()}: {str(exc).strip()}") from None
    return pg_tool("pg_dump", pg_bin, need_major=major, prefer_major=major)


def _dump_postgresql(target, pg_dump, tool, *, progress):
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        # The counts and the dump see one and the same snapshot.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = count_rows(cursor, "postgresql")
        migrations = _last_migrations(cursor, counts)
        command = [str(pg_dump), "--format=custom", "--no-password", "--verbose"]
        command += [f"--snapshot={snapshot}", f"--file={target}"]
        _run_pg(
            command,
            total=len(counts),
            desc="Cơ sở dữ liệu",
            progress=progress,
            marker="dumping contents of table",
        )
    info = {
        "engine": "postgresql",
        "name": settings.DATABASES["default"]["NAME"],
        "server_version": f"PostgreSQL {_server_version()}",
        "tool": tool,
        "tool_major": _tool_major(pg_dump)[0],
        "seconds": round(time.monotonic() - started, 3),
    }
    return DatabaseDump(Path(target), info, counts, migrations)


# --- archives in a folder ---------------------------------------------------------------------


def _archive_key(path):
    match = ARCHIVE_NAME.match(path.name)
    return (match["stamp"], int(match["n"] or 1)) if match else None


def list_archives(directory):
    """The archives named tincoso-YYYYmmdd-HHMMSS[-n].tar in `directory`, oldest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = [p for p in directory.iterdir() if p.is_file() and _archive_key(p)]
    return sorted(found, key=_archive_key)


def rotate(directory, keep):
    """Delete all but the `keep` newest archives of `directory`; the deleted paths."""
    archives = list_archives(directory)
    old = archives[: max(0, len(archives) - keep)]
    for path in old:
        path.unlink()
    return old


def _target(output, now):
    """(folder, final archive path) for --output (a folder, or a file ending in .tar)."""
    output = Path(output).expanduser()
    if output.suffix == ".tar" and not output.is_dir():
        folder, final = output.parent, output
    else:
        folder = output
        stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
        final, n = folder / f"tincoso-{stamp}.tar", 1
        while final.exists():
            n += 1
            final = folder / f"tincoso-{stamp}-{n}.tar"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".tincoso-write-test-"):
            pass
    except OSError as exc:
        raise BackupError(f"Không ghi được vào thư mục sao lưu {folder}: {exc.strerror or exc}.") from None
    if final.exists():
        raise BackupError(f"Đã có tệp {final}: không ghi đè một bản sao lưu.")
    return folder.resolve(), final.resolve()


def _collect(roots, skip):
    """[(archive name, local path, size)] of every regular file under the roots, sorted; folders
    in `skip` (the backup folder, a root nested in another) are left out."""
    files = []
    skip = [p.resolve() for p in skip]
    for prefix, root in roots.items():
        if not root.is_dir():
            continue
        root = root.resolve()
        for folder, dirs, names in os.walk(root):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if (here / d).resolve() not in skip)
            for name in sorted(names):
                path = here / name
                try:
                    info = path.lstat()
                except FileNotFoundError:
                    continue
                if not path.is_symlink() and path.is_file():
                    files.append((f"{prefix}/{path.relative_to(root).as_posix()}", path, info.st_size))
    return files


# --- backup -----------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    seconds: float
    removed: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # files that vanished while packing


def create(output=None, *, keep=None, progress=True, pg_bin=None):
    """Write one backup archive; returns a BackupResult. Refuses (BackupError) before writing
    anything when the tools, the folder or the disk space are not right."""
    started = time.monotonic()
    now = timezone.now()
    current = engine()
    if keep is not None and keep < 1:
        raise BackupError("--keep phải từ 1 trở lên.")
    if current == "sqlite":
        db_name = Path(settings.DATABASES["default"]["NAME"])
        if not db_name.is_file():
            raise BackupError(f"Không có tệp cơ sở dữ liệu SQLite {db_name}.")
    else:
        pg_dump, tool = _pg_dump_tool(pg_bin)
    folder, final = _target(output or settings.BACKUP_DIR, now)
    roots = _roots()
    skip = [folder] + [r for r in roots.values() if any(r != o and o in r.parents for o in roots.values())]
    files = _collect(roots, skip)
    need = sum(size for _, _, size in files)
    if current == "sqlite":
        need += 2 * db_name.stat().st_size  # the copy, then in the tar
    free = shutil.disk_usage(folder).free
    if free < need * 1.05:
        raise BackupError(
            f"Không đủ chỗ trống trong {folder}: cần khoảng {vn_size(need)}, còn {vn_size(free)}. "
            "Giải phóng chỗ, giảm --keep hoặc chọn thư mục khác (--output)."
        )
    partial = folder / f".{final.name}.partial"
    db_partial = folder / f".{final.name}.{DB_FILES[current]}.partial"
    old_umask = os.umask(0o077)
    try:
        if current == "sqlite":
            dump = _dump_sqlite(db_partial)
        else:
            dump = _dump_postgresql(db_partial, pg_dump, tool, progress=progress)
        manifest, skipped = _write_archive(partial, dump, files, now, progress)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, final)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise BackupError(f"Hết chỗ trống trên đĩa khi ghi {final}; bản dở dang đã được xoá.") from None
        where = f" ({exc.filename})" if exc.filename else ""
        raise BackupError(f"Lỗi đọc, ghi tệp{where}: {exc.strerror or exc}; bản dở dang đã được xoá.") from None
    finally:
        os.umask(old_umask)
        for leftover in (partial, db_partial):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    removed = rotate(folder, keep) if keep else []
    return BackupResult(final, manifest, time.monotonic() - started, removed, skipped)


def _tarinfo(name, size, mtime, mode):
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), mode
    return info


def _write_archive(partial, dump, files, now, progress):
    db_name = DB_FILES[dump.info["engine"]]
    entries, skipped = [], []
    total = dump.path.stat().st_size + sum(size for _, _, size in files)
    with (
        tarfile.open(partial, "w", format=tarfile.PAX_FORMAT, copybufsize=CHUNK) as tar,
        _bar(total, "Đóng gói", progress) as bar,
    ):
        with open(dump.path, "rb") as handle:
            size = dump.path.stat().st_size
            reader = _Hashing(handle, bar)
            tar.addfile(_tarinfo(db_name, size, time.time(), 0o600), reader)
        database = {**dump.info, "file": db_name, "size": size, "sha256": reader.sha.hexdigest()}
        for name, path, _listed in files:
            try:
                handle = open(path, "rb")  # noqa: SIM115 - closed right below, after addfile
            except FileNotFoundError:
                skipped.append(name)
                continue
            with handle:
                info = os.fstat(handle.fileno())
                reader = _Hashing(handle, bar)
                mode = 0o600 if name.startswith("private/") else 0o644
                tar.addfile(_tarinfo(name, info.st_size, info.st_mtime, mode), reader)
            entries.append({"path": name, "size": info.st_size, "sha256": reader.sha.hexdigest()})
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.localtime(now).isoformat(timespec="seconds"),
            "host": socket.gethostname(),
            "app": _versions(),
            "database": database,
            "media": {
                "included": media_included(),
                "storage": "local" if media_included() else "s3",
                "bucket": "" if media_included() else bucket(),
                "root": str(settings.MEDIA_ROOT),
            },
            "private": {"root": str(settings.PRIVATE_MEDIA_ROOT)},
            "files": entries,
            "counts": dump.counts,
            "migrations": dump.migrations,
        }
        data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        tar.addfile(_tarinfo(MANIFEST, len(data), time.time(), 0o600), io.BytesIO(data))
    return manifest, skipped


# --- verify -----------------------------------------------------------------------------------


def newest(path):
    """`path` itself, or the newest archive when it is a folder."""
    path = Path(path).expanduser()
    if path.is_dir():
        archives = list_archives(path)
        if not archives:
            raise BackupError(f"Thư mục {path} không có bản sao lưu nào (tincoso-*.tar).")
        return archives[-1]
    if not path.is_file():
        raise BackupError(f"Không có tệp {path}.")
    return path


def _read_manifest(tar, path):
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupError(
            f"{path} không có danh mục {MANIFEST}: không phải bản sao lưu của tincoso, hoặc bị cắt ngắn."
        ) from None
    try:
        manifest = json.loads(tar.extractfile(member).read())
    except (ValueError, AttributeError):
        raise BackupError(f"Danh mục {MANIFEST} trong {path} không đọc được (hỏng).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} không phải bản sao lưu của tincoso.")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"{path} theo định dạng phiên bản {manifest.get('version')}; bản này chỉ đọc được phiên bản {VERSION}."
        )
    return manifest


def _expected(manifest, path):
    """{member name: (size, sha256)} the manifest promises; BackupError when it names anything
    outside the database file, media/ and private/ (a restore writes nowhere else)."""
    try:
        database = manifest["database"]
        if database["file"] != DB_FILES.get(database["engine"]):
            raise ValueError(database["file"])
        expected = {database["file"]: (int(database["size"]), str(database["sha256"]))}
        for entry in manifest["files"]:
            name = entry["path"]
            if _safe_name(name) is None or name.partition("/")[0] not in ROOTS or not name.partition("/")[2]:
                raise ValueError(name)
            expected[name] = (int(entry["size"]), str(entry["sha256"]))
        kinds = ((manifest["counts"], dict), (manifest["media"]["included"], bool), (manifest["created_at"], str))
        if not all(isinstance(value, kind) for value, kind in kinds):
            raise ValueError("counts, media, created_at")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BackupError(
            f"Danh mục {MANIFEST} trong {path} không hợp lệ ({exc}): không dùng bản sao lưu này."
        ) from None
    return expected


def verify(path, *, progress=True, restoring=False):
    """Read the whole archive and check every file against the manifest; the manifest, or
    BackupError naming each damaged, missing or unexpected file."""
    path = newest(path)
    consequence = ", không khôi phục gì cả" if restoring else ""
    problems = []
    try:
        with tarfile.open(path, "r:") as tar:
            manifest = _read_manifest(tar, path)
            expected = _expected(manifest, path)
            seen = set()
            with _bar(sum(size for size, _ in expected.values()), "Kiểm tra", progress) as bar:
                for member in tar:
                    name = member.name
                    if name == MANIFEST:
                        continue
                    if name not in expected:
                        problems.append(f"{name}: có trong bản sao lưu nhưng không có trong danh mục")
                        continue
                    if not member.isfile() or _safe_name(name) is None:
                        problems.append(f"{name}: không phải tệp thường")
                        continue
                    seen.add(name)
                    size, sha = expected[name]
                    reader = _Hashing(tar.extractfile(member), bar)
                    while reader.read(CHUNK):
                        pass
                    if reader.size != size:
                        problems.append(f"{name}: dài {vn_int(reader.size)} byte, danh mục ghi {vn_int(size)} byte")
                    elif reader.sha.hexdigest() != sha:
                        problems.append(f"{name}: mã kiểm tra sha256 không khớp (tệp bị hỏng)")
            problems += [f"{name}: thiếu trong bản sao lưu" for name in expected if name not in seen]
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"Bản sao lưu {path} bị hỏng hoặc không đầy đủ{consequence}: {exc}.") from None
    if problems:
        shown = problems[:20] + ([f"… và {len(problems) - 20} lỗi khác"] if len(problems) > 20 else [])
        raise BackupError(f"Bản sao lưu {path} bị hỏng{consequence}:\n  " + "\n  ".join(shown))
    return manifest


# --- restore ----------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    path: Path
    manifest: dict
    rows: list  # (name, in the backup, after the restore)
    other_tables: int
    differences: list  # (table, in the backup, after the restore) of the other tables
    notes: list
    seconds: float

    @property
    def ok(self):
        return not self.differences and all(a == b for _, a, b in self.rows)


def _existing_tables():
    """(number of tables, number of pages or None) of the configured database; 0 when it is
    empty or (SQLite) not there yet."""
    if engine() == "sqlite":
        name = Path(settings.DATABASES["default"]["NAME"])
        if not name.is_file() or name.stat().st_size == 0:
            return 0, None
        db = sqlite3.connect(name.resolve().as_uri() + "?mode=ro", uri=True, timeout=20)
        try:
            tables = _tables(db.cursor(), "sqlite")
            pages = None
            if (None, "wagtailcore_page") in tables:
                pages = db.execute("SELECT COUNT(*) FROM wagtailcore_page").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"Không đọc được {name}: {exc}.") from None
        finally:
            db.close()
        return len(tables), pages
    try:
        with connection.cursor() as cursor:
            tables = _tables(cursor, "postgresql")
            pages = None
            if ("", "wagtailcore_page") in tables:
                cursor.execute("SELECT COUNT(*) FROM wagtailcore_page")
                pages = cursor.fetchone()[0]
    except DatabaseError as exc:
        db = settings.DATABASES["default"]
        raise BackupError(
            f"Không kết nối được {_database_label()}: {str(exc).strip()}. Nếu cơ sở dữ liệu chưa có, tạo một "
            f"cơ sở dữ liệu trống trước: createdb -O {db.get('USER') or 'tincoso'} {db['NAME']}"
        ) from None
    finally:
        connections.close_all()
    return len(tables), pages


def _copy_member(tar, member, target, bar=None):
    """Write one member to `target` (through a temporary file, then renamed); its (size, sha256)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False)  # noqa: SIM115
    try:
        with handle:
            reader = _Hashing(tar.extractfile(member), bar)
            while data := reader.read(CHUNK):
                handle.write(data)
        os.chmod(handle.name, member.mode & 0o666)
        os.utime(handle.name, (member.mtime, member.mtime))
        os.replace(handle.name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.name)
        raise
    return reader.size, reader.sha.hexdigest()


def _restore_sqlite(source, progress):
    name = Path(settings.DATABASES["default"]["NAME"])
    name.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(name, timeout=20)
    pages = src.execute("PRAGMA page_count").fetchone()[0]
    try:
        with _bar(pages, "Cơ sở dữ liệu", progress, unit=" trang") as bar:

            def step(status, remaining, total):
                bar.total = total
                bar.n = total - remaining
                bar.refresh()

            src.backup(dst, pages=1024, progress=step)
    except sqlite3.Error as exc:
        raise BackupError(
            f"Không chép được cơ sở dữ liệu vào {name}: {exc}. Cơ sở dữ liệu không thay đổi; nếu nó đang bận, "
            "dừng web và tiến trình nền rồi chạy lại."
        ) from None
    finally:
        dst.close()
        src.close()


def _restore_postgresql(source, pg_restore, progress):
    listing = subprocess.run(
        [str(pg_restore), "--list", str(source)], env=_pg_env(), capture_output=True, text=True, errors="replace"
    )
    if listing.returncode != 0:
        raise BackupError(f"pg_restore không đọc được bản kết xuất: {listing.stderr.strip()}")
    tables = sum(1 for line in listing.stdout.splitlines() if " TABLE DATA " in line)
    db = settings.DATABASES["default"]
    command = [str(pg_restore), "--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction"]
    command += ["--exit-on-error", "--no-password", "--verbose", f"--dbname={db['NAME']}", str(source)]
    try:
        _run_pg(command, total=tables, desc="Cơ sở dữ liệu", progress=progress, marker="processing data for table")
    except BackupError as exc:
        raise BackupError(f"{exc}\nCơ sở dữ liệu không thay đổi (pg_restore chạy trong một giao dịch).") from None


def _other_sessions():
    """Other clients connected to the configured PostgreSQL database, as text: a running site
    holds locks that pg_restore --clean would wait for without end (the dump's header sets
    lock_timeout = 0)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COALESCE(NULLIF(application_name, ''), '?'), usename, COALESCE(host(client_addr), 'socket') "
                "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend' ORDER BY 1"
            )
            return [f"{app} ({user}@{addr})" for app, user, addr in cursor.fetchall()]
    finally:
        connections.close_all()


def _current_counts():
    try:
        with connection.cursor() as cursor:
            return count_rows(cursor, connection.vendor)
    finally:
        connections.close_all()


def _migration_notes():
    from django.db.migrations.executor import MigrationExecutor

    notes = []
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        unknown = sorted(set(executor.loader.applied_migrations) - set(executor.loader.disk_migrations))
    finally:
        connections.close_all()
    if plan:
        notes.append(
            f"Mã nguồn có {len(plan)} bước chuyển đổi dữ liệu (migration) mới hơn bản sao lưu: "
            "chạy manage.py migrate trước khi mở lại trang."
        )
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown[:5])
        notes.append(
            f"Bản sao lưu được tạo bởi phiên bản mới hơn mã nguồn này ({names}…): cập nhật mã nguồn "
            "lên cùng phiên bản (xem manifest.json, mục app.commit)."
        )
    return notes


def _start_afresh():
    """Cached pages and Site look-ups from before the restore must not be served after it."""
    from core import page_cache, site_roots

    page_cache.new_content_version()
    site_roots.invalidate()


def restore(path, *, yes=False, progress=True, pg_bin=None):
    """Restore an archive into the configured database and folders; a RestoreReport (check
    `.ok`). Refusals (BackupError) happen before anything is changed."""
    started = time.monotonic()
    current = engine()
    path = newest(path)
    manifest = verify(path, progress=progress, restoring=True)
    database = manifest["database"]
    if database["engine"] != current:
        raise BackupError(
            f"Bản sao lưu là của {ENGINE_NAMES.get(database['engine'], database['engine'])}, hệ thống đang dùng "
            f"{ENGINE_NAMES[current]} ({_database_label()}): không khôi phục được chéo giữa hai loại cơ sở dữ liệu. "
            "Khôi phục vào cùng loại cơ sở dữ liệu (DATABASE_URL) với máy đã sao lưu."
        )
    pg_restore = None
    if current == "postgresql":
        pg_restore, _text = pg_tool("pg_restore", pg_bin, need_major=database.get("tool_major") or 0)
    tables, pages = _existing_tables()
    if tables and not yes:
        what = f"{vn_int(tables)} bảng" + (f", {vn_int(pages)} trang" if pages is not None else "")
        raise BackupError(
            f"{_database_label()} đang có dữ liệu ({what}). Khôi phục sẽ thay toàn bộ dữ liệu đó bằng dữ liệu "
            f"của bản sao lưu ({manifest['created_at']}). Dừng web và tiến trình nền, rồi chạy lại với --yes "
            "nếu đúng là muốn ghi đè. Không thay đổi gì."
        )
    if current == "postgresql" and (others := _other_sessions()):
        raise BackupError(
            f"Có {len(others)} kết nối khác tới {_database_label()}: {', '.join(others[:6])}. Dừng web, tiến trình "
            "nền, mqtt_sender (và mọi phiên psql) rồi chạy lại. Không thay đổi gì."
        )
    targets = {"media": Path(settings.MEDIA_ROOT), "private": Path(settings.PRIVATE_MEDIA_ROOT)}
    for folder in targets.values():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".tincoso-write-test-"):
                pass
        except OSError as exc:
            raise BackupError(
                f"Không ghi được vào thư mục {folder}: {exc.strerror or exc}. Không thay đổi gì."
            ) from None
    notes = []
    if not manifest["media"]["included"]:
        notes.append(
            f"Tệp media nằm ở bucket S3 “{manifest['media'].get('bucket') or '?'}”, không có trong bản sao lưu: "
            "khôi phục bucket từ bản sao riêng của nó."
        )
    elif not media_included():
        notes.append(
            f"Hệ thống đang dùng bucket S3 cho tệp media: tệp media của bản sao lưu được chép vào MEDIA_ROOT "
            f"({targets['media']}), hãy tải chúng lên bucket."
        )
    expected = {entry["path"]: entry for entry in manifest["files"]}
    with tempfile.TemporaryDirectory(prefix="tincoso-restore-") as tmp, tarfile.open(path, "r:") as tar:
        source = Path(tmp) / database["file"]
        try:
            size, sha = _copy_member(tar, tar.getmember(database["file"]), source)
        except OSError as exc:
            raise BackupError(
                f"Không giải nén được {database['file']} vào thư mục tạm {tmp}: {exc.strerror or exc}. Không thay "
                "đổi gì; chọn thư mục tạm còn chỗ bằng biến môi trường TMPDIR."
            ) from None
        if (size, sha) != (database["size"], database["sha256"]):
            raise BackupError(f"{database['file']} đổi khác trong lúc khôi phục; không thay đổi gì.")
        connections.close_all()
        if current == "sqlite":
            _restore_sqlite(source, progress)
        else:
            _restore_postgresql(source, pg_restore, progress)
        source.unlink()
        total = sum(entry["size"] for entry in manifest["files"])
        try:
            with _bar(total, "Chép tệp", progress) as bar:
                for member in tar:
                    entry = expected.get(member.name)
                    if entry is None:
                        continue
                    prefix, _, rest = member.name.partition("/")
                    written = _copy_member(tar, member, targets[prefix] / rest, bar)
                    if written != (entry["size"], entry["sha256"]):
                        raise OSError(f"{member.name} đổi khác trong lúc khôi phục")
        except (OSError, tarfile.TarError) as exc:
            raise BackupError(
                f"Cơ sở dữ liệu đã được khôi phục nhưng chép tệp thất bại: {exc}. Khắc phục (chỗ trống, quyền ghi) "
                "rồi chạy lại lệnh với --yes."
            ) from None
    _start_afresh()
    rows, other, differences = _check(manifest, targets, progress)
    notes += _migration_notes()
    return RestoreReport(path, manifest, rows, other, differences, notes, time.monotonic() - started)


def _check(manifest, targets, progress):
    """Count every table and hash every file again, after the restore."""
    counts = _current_counts()
    expected = manifest["counts"]
    rows, named = [], set()
    for table, name in important_tables():
        if table in expected:
            rows.append((name, expected[table], counts.get(table)))
            named.add(table)
    differences = [(t, n, counts.get(t)) for t, n in sorted(expected.items()) if t not in named and counts.get(t) != n]
    by_root = {prefix: [e for e in manifest["files"] if e["path"].startswith(prefix + "/")] for prefix in ROOTS}
    total = sum(e["size"] for e in manifest["files"])
    with _bar(total, "Đối chiếu tệp", progress) as bar:
        for prefix in ROOTS:
            entries = by_root[prefix]
            if prefix == "media" and not manifest["media"]["included"]:
                continue
            good = 0
            for entry in entries:
                local = targets[prefix] / entry["path"].partition("/")[2]
                try:
                    if _sha256_file(local, bar) == (entry["size"], entry["sha256"]):
                        good += 1
                except FileNotFoundError:
                    pass
            rows.append((ROOT_NAMES[prefix], len(entries), good))
    return rows, len(expected) - len(named), differences


def summary_counts(manifest, files=True):
    """[(name, count)] of the important tables (and of the files), for the backup's summary."""
    counts = manifest["counts"]
    rows = [(name, counts[table]) for table, name in important_tables() if table in counts]
    for prefix in ROOTS if files else ():
        entries = [e for e in manifest["files"] if e["path"].startswith(prefix + "/")]
        rows.append((ROOT_NAMES[prefix], len(entries)))
    return rows
