"""manage.py seed_programmes --province "Trà Vinh": the loudspeaker station's demo programmes.

A district's weekly programme (read by the speech engine, then uploaded like any recording:
checked by its content and normalised to the loudness target), sent to every commune of the
district that has clusters; in the first commune it is placed in tomorrow's evening slot, in the
others it waits in "chờ đưa vào chương trình", as Thông tư 39 has it. Idempotent."""

import datetime
import tempfile
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm
from wagtail.models import Page

from areas.models import AreaPage, CommuneHomePage
from boards.publishing import rebuild
from core.text import fold_key
from speech import SpeechUnavailable, bulletin_mp3
from station.models import Programme, ProgrammeKind, ProgrammeState, SlotPlan
from station.reach import clusters
from station.schedule import slot_times
from station.tasks import process_programme

TEXT = (
    "Chương trình phát thanh của Ủy ban nhân dân {district} tuần này. "
    "Thứ nhất, hướng dẫn bà con phòng chống rét đậm, rét hại cho người và vật nuôi: giữ ấm cho trẻ nhỏ, "
    "người cao tuổi; che chắn chuồng trại, bổ sung thức ăn cho gia súc. "
    "Thứ hai, lịch tiêm chủng mở rộng tháng mười hai tại trạm y tế các xã, từ bảy giờ đến mười một giờ sáng thứ Hai "
    "và thứ Năm hằng tuần. "
    "Thứ ba, nhắc bà con đăng ký tham gia bảo hiểm y tế hộ gia đình năm hai nghìn không trăm hai mươi bảy tại "
    "bưu điện xã. Cảm ơn bà con đã lắng nghe."
)


class Command(BaseCommand):
    help = "Tạo chương trình phát thanh mẫu của huyện (đọc bằng máy, chuẩn hoá độ to) gửi tới các xã có cụm loa."

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, metavar="TÊN_HOẶC_MÃ")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, province, no_progress=False, **options):
        key = fold_key(province)
        prov = next(
            (
                p
                for p in AreaPage.objects.filter(level="province")
                if p.code == province.zfill(2) or fold_key(p.short_name) == key
            ),
            None,
        )
        if prov is None:
            raise CommandError(f"Không tìm thấy tỉnh {province!r}; hãy chạy manage.py provision trước.")
        owners = set(clusters().filter(owner__path__startswith=prov.path).values_list("owner_id", flat=True))
        communes = list(CommuneHomePage.objects.filter(pk__in=owners).order_by("path"))
        if not communes:
            self.stdout.write("Chưa có cụm loa nào: bỏ qua chương trình mẫu (chạy seed_boards trước).")
            return
        by_district = {}
        for commune in communes:  # the district with the most communes that have clusters
            by_district.setdefault(commune.path[: -Page.steplen], []).append(commune)
        communes = max(by_district.values(), key=len)
        district = communes[0].get_parent().specific
        title = f"Chương trình phát thanh {district.title} tuần này"
        programme = Programme.objects.filter(owner=district, title=title).first()
        if programme is None:
            try:
                data, _seconds = bulletin_mp3(TEXT.format(district=district.name_in_sentence))
            except SpeechUnavailable as exc:
                self.stdout.write(f"Không đọc được bằng máy ({exc}): bỏ qua chương trình mẫu.")
                return
            programme = Programme(owner=district, title=title, kind=ProgrammeKind.RECORDED)
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "chuong-trinh-huyen.mp3"
                path.write_bytes(data)
                with path.open("rb") as handle:
                    programme.upload.save(path.name, File(handle), save=False)
            programme.state = ProgrammeState.PROCESSING
            programme.target_units = [district]  # a ParentalManyToManyField: saved with the programme
            programme.save()
            process_programme(programme.pk)
            programme.refresh_from_db()
        if programme.state != ProgrammeState.READY:
            raise CommandError(f"Chương trình mẫu không xử lý được: {programme.message}")
        first = communes[0]
        times = slot_times(list(clusters().filter(owner=first)))
        if times:
            day = timezone.localdate() + datetime.timedelta(days=1)
            plan, _ = SlotPlan.objects.get_or_create(owner=first, day=day, at=times[-1])
            if programme.key not in plan.keys:
                plan.keys = [programme.key, *plan.keys]
                plan.save()
        boards = list(clusters().filter(owner__in=communes))
        for board in tqdm(boards, desc="Cụm loa", unit="cụm", disable=no_progress):
            rebuild(board)
        self.stdout.write(
            self.style.SUCCESS(
                f"“{title}” ({programme.duration_s:.0f} giây, {programme.loudness_in:.1f} → "
                f"{programme.loudness_out:.1f} LUFS) gửi tới {len(communes)} xã; đã xếp vào khung giờ ngày mai của "
                f"{first.title}, các xã khác chờ đưa vào chương trình."
            )
        )
