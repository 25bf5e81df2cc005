"""manage.py seed_boards --province "Trà Vinh": demo boards for a provisioned province."""

import datetime
import hashlib
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from areas.models import AreaPage, CommuneHomePage
from boards.models import Board, BoardGroup, OperatingHours
from core.text import fold_key

# Where the demo boards stand: near the province's centre, spread by commune code. Approximate
# positions for the map of the demo only (the official list of units carries no coordinates).
DEMO_CENTRES = {"84": (9.87, 106.30)}  # Trà Vinh
HOURS = [(day, datetime.time(6, 0), datetime.time(22, 0)) for day in range(7)]
AUDIO_COMMUNES = 3  # loudspeaker clusters in the first few xã of the first rural district (make run stays fast)


class Command(BaseCommand):
    help = (
        "Tạo bảng điện tử mẫu: bảng LED 384×192 trước trụ sở mỗi xã; màn hình LCD 1920×1080 ở hội trường "
        "các xã của một huyện; màn hình của cổng huyện (ảnh và video) và một màn hình đứng 1080×1920; cụm loa "
        "truyền thanh (phát lúc 6:00 và 17:00) ở vài xã đầu tiên của huyện."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, metavar="TÊN_HOẶC_MÃ")
        parser.add_argument(
            "--district", metavar="TÊN_HOẶC_MÃ", help="huyện có màn hình LCD (mặc định: huyện đầu tiên)"
        )

    def handle(self, *args, province, district=None, **options):

        query = fold_key(province)
        found = [
            p
            for p in AreaPage.objects.filter(level="province")
            if p.code == province.zfill(2) or fold_key(p.short_name) == query or fold_key(p.title) == query
        ]
        if not found:
            raise CommandError(f"Không tìm thấy tỉnh {province!r}; hãy chạy manage.py provision trước.")
        prov = found[0]
        areas = list(AreaPage.objects.child_of(prov).filter(level="district").order_by("path"))
        if district:
            key = fold_key(district)
            areas = [
                a for a in areas if a.code == district or fold_key(a.short_name) == key or fold_key(a.title) == key
            ]
            if not areas:
                raise CommandError(f"Không tìm thấy huyện {district!r} trong {prov.title}.")
        lcd_area = areas[0] if areas else prov
        created = 0

        centre = DEMO_CENTRES.get(prov.code)

        def position(owner, salt):
            if centre is None:
                return {}
            digest = hashlib.sha256(f"{owner.path}:{salt}".encode()).digest()
            return {
                "latitude": round(Decimal(centre[0]) + Decimal(digest[0] - 128) / 400, 6),
                "longitude": round(Decimal(centre[1]) + Decimal(digest[1] - 128) / 400, 6),
            }

        def board(owner, name, width, height, hours=True, **fields):
            nonlocal created
            item, new = Board.objects.get_or_create(
                owner=owner, name=name, defaults={"width": width, "height": height, **position(owner, name), **fields}
            )
            if new:
                created += 1
                if hours:
                    OperatingHours.objects.bulk_create(
                        [OperatingHours(board=item, weekday=d, start=s, end=e, sort_order=d) for d, s, e in HOURS]
                    )
            return item

        rural = [a for a in areas if a.unit_type == "huyen"] or areas
        audio_area = rural[0] if rural else prov
        audio_communes = list(
            CommuneHomePage.objects.filter(path__startswith=audio_area.path, unit_type="xa").order_by("path")[
                :AUDIO_COMMUNES
            ]
        )

        with transaction.atomic():
            for commune in CommuneHomePage.objects.filter(path__startswith=prov.path).order_by("path"):
                led = board(
                    commune,
                    "Bảng LED trước trụ sở UBND",
                    384,
                    192,
                    kind="led",
                    layout="led_scroll",  # headlines above a scrolling line of the notices in force
                    ticker_text="Đường dây nóng UBND: 0294 3860 111",
                    news_count=3,
                    address=f"Trụ sở UBND {commune.name_in_sentence}",
                    default_slide_seconds=8,
                )
                group, _ = BoardGroup.objects.get_or_create(owner=commune, name="Bảng ngoài trời")
                led.groups.add(group)
                if commune.path.startswith(lcd_area.path):
                    board(
                        commune,
                        "Màn hình hội trường",
                        1920,
                        1080,
                        kind="lcd",
                        layout="side_ticker",
                        address=f"Hội trường UBND {commune.name_in_sentence}",
                    )
            for commune in audio_communes:
                board(
                    commune,
                    "Cụm loa truyền thanh trung tâm xã",
                    None,
                    None,
                    hours=False,
                    kind="audio",
                    news_count=2,
                    broadcast_times="06:00, 17:00",
                    emergency_repeat_minutes=15,
                    address=f"Đài truyền thanh {commune.name_in_sentence}",
                )
            board(
                lcd_area,
                "Màn hình sảnh UBND",
                1920,
                1080,
                kind="lcd",
                output="both",
                # Its video is re-encoded at each change; a scrolling line makes every frame new
                # (bench/bench_ticker.py): the lobby's column has the clock and the calendar.
                layout="side",
                default_slide_seconds=8,
                address=f"Sảnh trụ sở UBND {lcd_area.name_in_sentence}",
            )
            board(
                lcd_area,
                "Màn hình đứng bộ phận một cửa",
                1080,
                1920,
                kind="lcd",
                layout="side",
                address=f"Bộ phận một cửa, UBND {lcd_area.name_in_sentence}",
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Bảng điện tử mẫu cho {prov.title}: tạo mới {created} bảng (màn hình LCD ở {lcd_area.title}, cụm loa ở "
                f"{', '.join(c.title for c in audio_communes) or 'không xã nào'}). "
                "Chạy manage.py render_boards để dựng danh sách phát."
            )
        )
