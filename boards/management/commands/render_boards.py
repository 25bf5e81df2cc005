"""manage.py render_boards [--board ID …] [--owner CODE]: compose and render boards now."""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from boards.models import Board
from boards.publishing import rebuild


class Command(BaseCommand):
    help = "Dựng lại danh sách phát của các bảng điện tử (mặc định: mọi bảng đang hoạt động)."

    def add_arguments(self, parser):
        parser.add_argument("--board", type=int, action="append", metavar="ID", help="chỉ bảng này; lặp lại được")
        parser.add_argument("--no-progress", action="store_true", help="không hiện thanh tiến độ")

    def handle(self, *args, board=None, no_progress=False, **options):

        boards = Board.objects.filter(is_active=True).select_related("owner").order_by("pk")
        if board:
            boards = Board.objects.filter(pk__in=board).select_related("owner").order_by("pk")
            missing = sorted(set(board) - set(boards.values_list("pk", flat=True)))
            if missing:
                raise CommandError(f"Không có bảng điện tử mã {', '.join(map(str, missing))}.")
        total = boards.count()
        new_versions = rendered = problems = 0
        with tqdm(total=total, unit="bảng", desc="Bảng điện tử", file=sys.stderr, disable=no_progress or None) as bar:
            for item in boards:
                _version, created, count, failed = rebuild(item)
                new_versions += created
                rendered += count
                problems += len(failed)
                for candidate, message in failed:
                    self.stderr.write(f"  {item.name}: bỏ qua {candidate.key}: {message}")
                bar.update(1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Xong {total} bảng: {new_versions} danh sách phát mới, {rendered} trang dựng mới, "
                f"{problems} mục lỗi (đã bỏ qua)."
            )
        )
