"""The backup drill's two halves that run inside the installation under test, as a subprocess
with its own DATABASE_URL, MEDIA_ROOT and PRIVATE_MEDIA_ROOT (tests/core/test_backup.py,
bench/bench_backup.py):

    python tests/core/backup_drill.py seed [--full]   migrate, provision Trà Vinh, demo content,
                                                      boards with a rendered playlist, a citizen's
                                                      question with a photo, audit log entries
    python tests/core/backup_drill.py probe           what is there, as JSON on stdout: rows per
                                                      model, every file's sha256, a page and a
                                                      citizen's photo served

`probe` is the test's own view of the installation, independent of the manifest that `backup`
writes: the drill compares a probe of the original with a probe of the restored copy.
"""

import hashlib
import io
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DRILL_TITLE = "Diễn tập khôi phục: lịch tiếp công dân tháng này"
EDITOR = "bientap-dien-tap"  # a commune editor: sees the commune's questions (no second factor required)


def setup():
    for path in (str(REPO), str(REPO / "site")):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tincoso.settings")
    import django

    django.setup()


def _jpeg(width=640, height=480):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (30, 110, 60))
    ImageDraw.Draw(image).rectangle((40, 40, width - 40, height - 40), outline=(250, 220, 0), width=12)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def seed(full=False):
    """Full: the Makefile's demo (every commune, every board rendered, the stations and their
    programmes). Otherwise a small but complete one: two communes and the district portal of
    Càng Long, one LED board rendered."""
    from django.core.management import call_command

    quiet = {"stdout": io.StringIO()}
    call_command("migrate", interactive=False, verbosity=0)
    call_command("provision", structure="2024", province=["Trà Vinh"], no_progress=True, **quiet)
    if full:
        call_command("seed_demo", province=["Trà Vinh"], no_progress=True, **quiet)
    else:
        call_command(
            "seed_demo", province=["Trà Vinh"], district=["844"], communes=2, news=2, no_progress=True, **quiet
        )
    call_command("seed_boards", province="Trà Vinh", **quiet)

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from wagtail.models import ModelLogEntry

    from areas.models import AreaPage, CommuneHomePage
    from boards.models import Board
    from inquiries.handling import submit
    from inquiries.models import Channel
    from tests import factories

    district = AreaPage.objects.get(structure="2024", level="district", code="844")
    commune = CommuneHomePage.objects.filter(path__startswith=district.path).order_by("path").first()
    editor = get_user_model().objects.create_user(EDITOR, "bientap@example.vn", "Mat-khau-dien-tap-2026")
    editor.groups.add(commune.editors_group)
    factories.news(commune, DRILL_TITLE, summary="Ủy ban nhân dân xã tiếp công dân vào sáng thứ Năm hằng tuần.")
    inquiry, _created = submit(
        commune,
        {
            "kind": "phan_anh",
            "topic": "giao_thong",
            "title": "Ổ gà trên đường liên ấp",
            "body": "Đoạn đường gần trường tiểu học có ổ gà lớn, trời mưa rất nguy hiểm.",
            "name": "Nguyễn Văn Ba",
            "phone": "0912345678",
        },
        [SimpleUploadedFile("o-ga.jpg", _jpeg(), content_type="image/jpeg")],
        submission_key="dien-tap-khoi-phuc",
        key="",
        channel=Channel.PHONE,
        recorded_by=editor,
    )
    board = Board.objects.get(owner=commune, kind="led")
    ModelLogEntry.objects.log_action(board, "wagtail.edit", user=editor)
    ModelLogEntry.objects.log_action(inquiry, "wagtail.edit", user=editor)
    if full:
        call_command("render_boards", no_progress=True, **quiet)
        call_command("seed_stations", province="Trà Vinh", **quiet)
        call_command("seed_programmes", province="Trà Vinh", no_progress=True, **quiet)
    else:
        call_command("render_boards", board=[board.pk], no_progress=True, **quiet)


def _files(root):
    root = Path(root)
    found = {}
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file():
                found[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def probe():
    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    # Rows first: the requests below log in (a session row).
    tables = set(connection.introspection.table_names())
    models = [m for m in apps.get_models(include_auto_created=True) if not m._meta.proxy]
    counts = {m._meta.label: m._base_manager.count() for m in models if m._meta.db_table in tables}
    NewsPage = apps.get_model("cms_pages", "NewsPage")
    InquiryPhoto = apps.get_model("inquiries", "InquiryPhoto")
    PlaylistVersion = apps.get_model("boards", "PlaylistVersion")
    RenderedFile = apps.get_model("boards", "RenderedFile")

    media_root = Path(settings.MEDIA_ROOT)
    missing = [f.path for f in RenderedFile.objects.all() if not (media_root / f.path).is_file()]
    playlist_files = {item["sha256"] for v in PlaylistVersion.objects.all() for item in v.items if item.get("sha256")}
    missing += [sha for sha in playlist_files if not RenderedFile.objects.filter(sha256=sha).exists()]

    page = NewsPage.objects.live().get(title=DRILL_TITLE)
    _site_id, root_url, path = page.get_url_parts()
    host = root_url.split("://", 1)[1]
    anonymous = Client().get(path, HTTP_HOST=host)
    photo = InquiryPhoto.objects.get(inquiry__submission_key="dien-tap-khoi-phuc")
    official = Client()
    official.force_login(get_user_model().objects.get(username=EDITOR))
    served = official.get(reverse("inquiries:photo", args=[photo.pk]), HTTP_HOST=host)
    served_bytes = b"".join(served.streaming_content) if served.status_code == 200 else b""
    result = {
        "counts": counts,
        "files": {"media": _files(settings.MEDIA_ROOT), "private": _files(settings.PRIVATE_MEDIA_ROOT)},
        "missing_files": sorted(missing),
        "playlist_files": len(playlist_files),
        "page": {
            "url": root_url + path,
            "status": anonymous.status_code,
            "has_title": DRILL_TITLE in anonymous.content.decode(),
        },
        "photo": {
            "name": photo.image.name,
            "status": served.status_code,
            "sha256": hashlib.sha256(served_bytes).hexdigest(),
        },
    }
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    setup()
    if sys.argv[1:2] == ["seed"]:
        seed(full="--full" in sys.argv)
    elif sys.argv[1:2] == ["probe"]:
        probe()
    else:
        raise SystemExit("usage: backup_drill.py seed [--full] | probe")
