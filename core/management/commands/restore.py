"""manage.py restore ARCHIVE [--yes] (core/backup.py)."""

from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = (
        "Khôi phục một bản sao lưu của manage.py backup vào cơ sở dữ liệu và các thư mục tệp đang cấu hình: "
        "kiểm tra mọi mã kiểm tra trước khi thay đổi gì, rồi đối chiếu số bản ghi và tệp sau khi khôi phục."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("archive", metavar="BẢN_SAO_LƯU", help="tệp tincoso-….tar, hoặc thư mục (bản mới nhất)")
        parser.add_argument(
            "--yes",
            "--force",
            dest="yes",
            action="store_true",
            help="đồng ý ghi đè cơ sở dữ liệu đang có dữ liệu (mặc định: từ chối)",
        )
        parser.add_argument(
            "--pg-bin",
            metavar="THƯ_MỤC",
            help="thư mục chứa pg_restore (mặc định: PATH, rồi /usr/lib/postgresql/<phiên bản>/bin)",
        )
        parser.add_argument("--no-progress", action="store_true", help="không hiện thanh tiến độ")

    def handle(self, *args, archive, yes=False, pg_bin=None, no_progress=False, **options):
        try:
            report = backup.restore(archive, yes=yes, progress=not no_progress, pg_bin=pg_bin)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = report.manifest
        self.stdout.write(
            f"Đã khôi phục {report.path} (sao lưu lúc {manifest['created_at']} trên máy {manifest.get('host', '?')}, "
            f"mã nguồn {(manifest['app'].get('commit') or '?')[:12]}) trong {backup.vn_seconds(report.seconds)}."
        )
        width = max(len(name) for name, _, _ in report.rows)
        self.stdout.write(f"{'Mục'.ljust(width)}  {'Bản sao lưu':>12}  {'Sau khôi phục':>13}")
        for name, expected, actual in report.rows:
            mark = "khớp" if expected == actual else "KHÁC"
            shown = "—" if actual is None else backup.vn_int(actual)
            self.stdout.write(f"{name.ljust(width)}  {backup.vn_int(expected):>12}  {shown:>13}  {mark}")
        others = report.other_tables
        if report.differences:
            self.stdout.write(f"Các bảng khác ({others}): {len(report.differences)} bảng KHÁC:")
            for table, expected, actual in report.differences:
                shown = "không có" if actual is None else backup.vn_int(actual)
                self.stdout.write(f"  {table}: bản sao lưu {backup.vn_int(expected)}, sau khôi phục {shown}")
        else:
            self.stdout.write(f"Các bảng khác ({others}): khớp.")
        for note in report.notes:
            self.stdout.write(self.style.WARNING(note))
        if not report.ok:
            raise CommandError("Dữ liệu sau khôi phục KHÔNG khớp với bản sao lưu (xem bảng trên).")
        self.stdout.write(self.style.SUCCESS("Khôi phục xong: mọi bảng và mọi tệp khớp với bản sao lưu."))
