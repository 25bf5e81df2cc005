"""Check now whether each commune's website exists and answers (indicators 1.3, 1.4):

    manage.py check_sites                 every commune
    manage.py check_sites --area "Trà Vinh"   the communes of a province or district

A real HTTP GET of each commune Site's home (indicators/sitecheck.py), recorded as a SiteCheck;
the same as the six-hourly scheduled task. Prints how many answered; exits non-zero when the
area is unknown or no commune answered.
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from areas.models import CommuneHomePage
from indicators import sitecheck
from indicators.compute import subtree_q
from inquiries.management.commands.inquiry_stats import find_unit


class Command(BaseCommand):
    help = "Kiểm tra trang thông tin điện tử của các xã có tồn tại và trả lời không (chỉ tiêu 1.3, 1.4)."

    def add_arguments(self, parser):
        parser.add_argument("--area", default="", help="Tỉnh hoặc huyện (tên hoặc mã); mặc định: mọi xã.")
        parser.add_argument("--structure", default="", help="2024 hoặc 2025 khi có cả hai cấu trúc.")

    def handle(self, *args, area="", structure="", verbosity=1, **options):
        communes = None
        if area:
            text = area.strip()
            if text.isdigit():
                unit = find_unit(code=text, structure=structure or None)
            else:
                unit = find_unit(text, structure=structure or None)
            communes = CommuneHomePage.objects.filter(subtree_q("path", unit)).order_by("path")
        show = verbosity > 0

        def progress(results, total):
            return tqdm(results, total=total, desc="Kiểm tra trang xã", unit="trang", disable=not show)

        checks = sitecheck.check_sites(communes, progress=progress)
        ok = sum(1 for c in checks if c.ok)
        if show:
            for check in checks:
                if not check.ok:
                    self.stdout.write(
                        f"  {check.commune.title}: {check.error or check.status_code} ({check.url or '–'})"
                    )
            self.stdout.write(f"{ok}/{len(checks)} trang xã trả lời tốt.")
        if checks and not ok:
            raise CommandError("Không trang xã nào trả lời.")
