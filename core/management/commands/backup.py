"""manage.py backup [--output DIR|FILE.tar] [--keep N] | --verify ARCHIVE|DIR (core/backup.py)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = (
        "Sao lưu cơ sở dữ liệu, tệp media (MEDIA_ROOT) và ảnh công dân gửi (PRIVATE_MEDIA_ROOT) vào một tệp "
        "tincoso-NămThángNgày-GiờPhútGiây.tar, kèm danh mục manifest.json có mã kiểm tra sha256 của từng tệp."
    )
    # A backup must run even when a system check complains (that is when one is needed most).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            metavar="THƯ_MỤC_HOẶC_TỆP.tar",
            help=f"thư mục chứa bản sao lưu, hoặc tên tệp .tar (mặc định BACKUP_DIR: {settings.BACKUP_DIR})",
        )
        parser.add_argument(
            "--keep",
            type=int,
            metavar="N",
            help="sau khi sao lưu xong, chỉ giữ N bản mới nhất (tincoso-*.tar) trong thư mục, xoá các bản cũ hơn",
        )
        parser.add_argument(
            "--verify",
            metavar="BẢN_SAO_LƯU",
            help="không sao lưu: chỉ kiểm tra một bản sao lưu (hoặc bản mới nhất trong một thư mục)",
        )
        parser.add_argument(
            "--pg-bin",
            metavar="THƯ_MỤC",
            help="thư mục chứa pg_dump (mặc định: PATH, rồi /usr/lib/postgresql/<phiên bản máy chủ>/bin)",
        )
        parser.add_argument("--no-progress", action="store_true", help="không hiện thanh tiến độ")

    def handle(self, *args, output=None, keep=None, verify=None, pg_bin=None, no_progress=False, **options):
        try:
            if verify:
                self._verify(verify, not no_progress)
            else:
                self._backup(output, keep, pg_bin, not no_progress)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None

    def _verify(self, path, progress):
        path = backup.newest(path)
        manifest = backup.verify(path, progress=progress)
        database = manifest["database"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Bản sao lưu {path} còn nguyên vẹn: {backup.vn_int(len(manifest['files']) + 1)} tệp khớp mã kiểm tra "
                f"(sao lưu lúc {manifest['created_at']}, {backup.ENGINE_NAMES.get(database['engine'])}, "
                f"{database.get('server_version', '')})."
            )
        )

    def _backup(self, output, keep, pg_bin, progress):
        if not backup.media_included():
            self.stderr.write(
                self.style.WARNING(
                    f"Tệp media nằm ở bucket S3 “{backup.bucket() or '?'}”, KHÔNG có trong bản sao lưu này "
                    "(chỉ có cơ sở dữ liệu và ảnh công dân gửi): sao lưu bucket riêng (README, mục Backups)."
                )
            )
        result = backup.create(output, keep=keep, progress=progress, pg_bin=pg_bin)
        manifest = result.manifest
        database = manifest["database"]
        media = [e for e in manifest["files"] if e["path"].startswith("media/")]
        private = [e for e in manifest["files"] if e["path"].startswith("private/")]
        size = result.path.stat().st_size
        counts = ", ".join(
            f"{name.lower()}: {backup.vn_int(n)}" for name, n in backup.summary_counts(manifest, files=False)
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã sao lưu vào {result.path} ({backup.vn_size(size)}) trong {backup.vn_seconds(result.seconds)}: "
                f"cơ sở dữ liệu {database['server_version']} ({backup.vn_size(database['size'])}), "
                f"{backup.vn_int(len(media))} tệp media ({backup.vn_size(sum(e['size'] for e in media))}), "
                f"{backup.vn_int(len(private))} tệp riêng tư ({backup.vn_size(sum(e['size'] for e in private))})."
            )
        )
        self.stdout.write(f"Số bản ghi: {counts}.")
        for name in result.skipped:
            self.stderr.write(f"  bỏ qua {name}: tệp đã bị xoá trong lúc sao lưu")
        if result.removed:
            names = ", ".join(p.name for p in result.removed)
            self.stdout.write(f"Đã xoá {len(result.removed)} bản cũ (giữ {keep} bản mới nhất): {names}.")
