"""Reload the indicators' yearly targets from data/indicator_targets.csv (or --file):

    manage.py load_indicator_targets

Idempotent (indicators/targets.py): the ministry's rows are brought back to the file's values;
a province's own rows are created when missing and otherwise left as the province edited them.
Exits non-zero with the line's number on a line that cannot be read.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from areas.models import AreaPage
from indicators import targets
from indicators.models import IndicatorTarget


class Command(BaseCommand):
    help = "Nạp lại chỉ tiêu kế hoạch (của Bộ và của tỉnh) từ data/indicator_targets.csv."

    def add_arguments(self, parser):
        parser.add_argument("--file", default="", help="Tệp CSV khác (cùng các cột).")

    def handle(self, *args, file="", verbosity=1, **options):
        def progress(rows):
            return tqdm(rows, desc="Chỉ tiêu", unit="dòng", disable=verbosity == 0)

        try:
            with transaction.atomic():
                result = targets.load(IndicatorTarget, AreaPage, path=file or None, progress=progress)
        except (targets.TargetFileError, OSError) as exc:
            raise CommandError(f"Không nạp được chỉ tiêu: {exc}") from exc
        if verbosity:
            self.stdout.write(
                f"Thêm {result.created}, cập nhật {result.updated}, giữ nguyên {result.unchanged}, "
                f"bỏ qua {result.skipped} dòng của tỉnh chưa có trong hệ thống."
            )
