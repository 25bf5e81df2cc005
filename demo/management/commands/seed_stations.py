"""manage.py seed_stations --province "Trà Vinh" [--seed N]: a demo register of the communes'
loudspeaker stations (demo/station.py), after seed_demo and seed_boards; communes that already
have a station are left as they are. Prints indicators 1.1 and 1.2 as they now stand."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from areas.models import AreaPage
from core import periods
from core.text import fold_key
from demo.management.commands.seed_demo import DEFAULT_SEED
from demo.station import seed_stations
from indicators.compute import compute
from indicators.report import percent

TECHNOLOGY_WORDS = {"ip": "CNTT-VT", "fm": "vô tuyến FM", "wired": "hữu tuyến"}


class Command(BaseCommand):
    help = (
        "Tạo sổ đài truyền thanh mẫu cho các xã của một tỉnh (công nghệ, ngày chuyển sang CNTT-VT, các thôn, ấp "
        "và cụm loa), để các chỉ tiêu 1.1 và 1.2 có số liệu. Xã đã có đài trong sổ được giữ nguyên."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, metavar="TÊN_HOẶC_MÃ")
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"hạt giống ngẫu nhiên, như của seed_demo (mặc định {DEFAULT_SEED})",
        )

    def handle(self, *args, province, seed, **options):
        query = fold_key(province)
        found = [
            p
            for p in AreaPage.objects.filter(level="province").order_by("path")
            if p.code == province.zfill(2) or fold_key(p.short_name) == query or fold_key(p.title) == query
        ]
        if not found:
            raise CommandError(f"Không tìm thấy tỉnh {province!r}; hãy chạy manage.py provision trước.")
        prov = found[0]
        made = seed_stations(prov, seed=seed)
        if not made["stations"]:
            self.stdout.write(f"Mọi xã của {prov.title} đã có đài trong sổ: không tạo thêm.")
            return
        parts = ", ".join(
            f"{made['by_technology'][key]} {word}"
            for key, word in TECHNOLOGY_WORDS.items()
            if made["by_technology"][key]
        )
        now = timezone.now()
        figures = compute(prov, periods.Period.current_month(periods.local_date(now)), now=now, trend=False)
        a = figures.total.as_of
        self.stdout.write(
            self.style.SUCCESS(
                f"Sổ đài truyền thanh mẫu cho {prov.title}: {made['stations']} đài ({parts}), {made['hamlets']} thôn, "
                f"ấp, {made['clusters']} cụm loa CNTT-VT mới. Chỉ tiêu 1.1: {percent(a.loudspeakers)}, "
                f"1.2: {percent(a.ip_stations)} (tín hiệu của cụm loa tính đến lúc này)."
            )
        )
