"""Demo directives and reports (directives/) for a seeded province: the yearly report request
of the province to every commune ("Báo cáo năm <year> về thông tin cơ sở", deadline 15 December
of the current year, 17:00), about two thirds answered with a few figures in words, some only
acknowledged or seen; and a directive of the province's first district to its communes, a week to
answer, a few answered. Idempotent: a sender that already has the demo's title gets nothing more.

Drawn from a random sequence seeded by the commune's code, so a reseeded province reads the same.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from areas.models import AreaPage, CommuneHomePage
from directives.models import Directive, DirectiveKind, DirectiveRecipient

REPORT_TITLE = "Báo cáo năm {year} về hoạt động thông tin cơ sở"
DIRECTIVE_TITLE = "Về việc tuyên truyền phòng, chống dịch sốt xuất huyết mùa mưa"
REPORT_BODY = (
    "Thực hiện Kế hoạch thông tin cơ sở của tỉnh, đề nghị Uỷ ban nhân dân các xã, phường, thị trấn báo cáo "
    "kết quả hoạt động thông tin cơ sở năm {year}: số tin, bài đăng trên trang thông tin điện tử; số buổi phát "
    "thanh trên hệ thống loa; tình trạng đài truyền thanh, bảng điện tử; khó khăn, kiến nghị. "
    "Báo cáo gửi trước 17 giờ ngày 15/12/{year}; báo cáo sau hạn không được nhận."
)
DIRECTIVE_BODY = (
    "Đề nghị Uỷ ban nhân dân các xã, thị trấn phát thông báo phòng, chống sốt xuất huyết trên hệ thống loa "
    "ít nhất hai buổi mỗi ngày trong hai tuần tới, đăng tin trên trang thông tin điện tử và báo cáo kết quả."
)


def _local(day, hour=17):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)), timezone.get_default_timezone())


def _report_answer(r, commune, year):
    return (
        f"Năm {year}, {commune.title} đăng {r.randint(24, 180)} tin, bài trên trang thông tin điện tử; "
        f"phát thanh {r.randint(200, 700)} buổi trên hệ thống loa; {r.randint(0, 3)} bảng điện tử hoạt động. "
        + r.choice(
            [
                "Đề nghị hỗ trợ kinh phí chuyển đổi loa sang ứng dụng CNTT-VT.",
                "Một số cụm loa xuống cấp, đề nghị thay thế.",
                "Không có kiến nghị.",
                "Đề nghị tập huấn thêm cho cán bộ biên tập.",
            ]
        )
    )


def _answer(recipient, text, at, sent, late=False):
    """Answered at `at`, seen and acknowledged a day before (never before the directive was sent)."""
    recipient.seen_at = recipient.acknowledged_at = max(at - datetime.timedelta(days=1), sent)
    recipient.answered_at, recipient.answer, recipient.late = at, text, late


def seed_directives(province_area, user=None, now=None):
    """Seed `province_area` (a province AreaPage); returns the number of directives created."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    year = today.year
    created = 0
    communes = list(CommuneHomePage.objects.filter(path__startswith=province_area.path).order_by("path"))
    if not communes:
        return 0
    with transaction.atomic():
        title = REPORT_TITLE.format(year=year)
        if not Directive.objects.filter(sender=province_area, title=title).exists():
            deadline = _local(datetime.date(year, 12, 15))
            sent = min(now, deadline) - datetime.timedelta(days=10)
            directive = Directive.objects.create(
                sender=province_area,
                kind=DirectiveKind.REPORT_REQUEST,
                number=f"{r_number(province_area)}/UBND-VHTT",
                issued_on=timezone.localdate(sent),
                title=title,
                body=REPORT_BODY.format(year=year),
                period_key=str(year),
                deadline=deadline,
                created_by=user,
                sent_by=user,
                sent_at=sent,
            )
            rows = []
            for commune in communes:
                r = random.Random(f"directives-{commune.code}-{year}")
                row = DirectiveRecipient(directive=directive, commune=commune)
                roll = r.random()
                if roll < 0.65:
                    at = min(now, deadline) - datetime.timedelta(hours=r.randint(2, 200))
                    _answer(row, _report_answer(r, commune, year), max(at, sent + datetime.timedelta(hours=1)), sent)
                elif roll < 0.8:
                    row.seen_at = row.acknowledged_at = sent + datetime.timedelta(hours=r.randint(1, 48))
                elif roll < 0.9:
                    row.seen_at = sent + datetime.timedelta(hours=r.randint(1, 48))
                rows.append(row)
            DirectiveRecipient.objects.bulk_create(rows)
            created += 1

        district = (
            AreaPage.objects.filter(path__startswith=province_area.path, level="district").order_by("path").first()
        )
        if district is not None and not Directive.objects.filter(sender=district, title=DIRECTIVE_TITLE).exists():
            sent = now - datetime.timedelta(days=2)
            directive = Directive.objects.create(
                sender=district,
                kind=DirectiveKind.DIRECTIVE,
                number=f"{r_number(district)}/UBND",
                issued_on=timezone.localdate(sent),
                title=DIRECTIVE_TITLE,
                body=DIRECTIVE_BODY,
                deadline=_local(today + datetime.timedelta(days=5)),
                created_by=user,
                sent_by=user,
                sent_at=sent,
            )
            rows = []
            for index, commune in enumerate(c for c in communes if c.path.startswith(district.path)):
                row = DirectiveRecipient(directive=directive, commune=commune)
                if index % 3 == 0:
                    _answer(
                        row, f"{commune.title} đã phát thông báo hai buổi mỗi ngày và đăng tin trên trang.", now, sent
                    )
                elif index % 3 == 1:
                    row.seen_at = sent + datetime.timedelta(hours=3)
                rows.append(row)
            DirectiveRecipient.objects.bulk_create(rows)
            created += 1
    return created


def r_number(unit):
    """A document number that reads like one, the same for the same unit."""
    return random.Random(f"number-{unit.code}").randint(100, 999)
