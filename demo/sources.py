"""Demo source information and one emergency alert for a seeded province (`manage.py seed_demo`).

What a province looks like a few weeks into use: the province pushes two items to every
commune; each district (2024 structure) pushes its monthly citizen-reception schedule to its
communes and a power-cut notice to three of them; a storm-surge alert is in force for one
coastal district (or, in the 2-level structure, five communes) for three days from seeding, so
the banner and the boards' pre-emption can be seen at once. Published through Wagtail
(revisions, audit log, the signals that recompose the boards), owned by the demo user so that
`seed_demo --reset` removes them with the rest.
"""

import datetime

from django.utils import timezone

from areas.models import AreaPage, CommuneHomePage, PortalHomePage
from core.text import fold_key
from sources.models import EmergencyAlertPage, SourceIndexPage, SourceItemPage

PROVINCE_ITEMS = [
    {
        "title": "Tăng cường phòng, chống dịch sốt xuất huyết trong mùa mưa",
        "priority": "priority",
        "days": 30,
        "summary": "Sở Y tế đề nghị các xã tổ chức chiến dịch diệt lăng quăng, bọ gậy hằng tuần; người dân sốt cao "
        "từ 2 ngày trở lên cần đến trạm y tế để được khám, không tự ý điều trị tại nhà.",
    },
    {
        "title": "Hướng dẫn nộp hồ sơ dịch vụ công trực tuyến toàn trình",
        "priority": "normal",
        "days": 60,
        "summary": "Từ tháng này, người dân có thể nộp hồ sơ đăng ký khai sinh, kết hôn, cấp bản sao trích lục hộ "
        "tịch trên Cổng Dịch vụ công quốc gia bằng tài khoản định danh điện tử mức 2, không cần đến UBND xã.",
    },
]


def _section(area):
    portal = PortalHomePage.objects.child_of(area).first()
    return SourceIndexPage.objects.child_of(portal).first() if portal else None


def _publish(section, page, user, *, areas=(), communes=()):
    page.owner = user
    page.target_areas = list(areas)
    page.target_communes = list(communes)
    section.add_child(instance=page)
    page.save_revision(user=user).publish()  # the demo user is inactive: published by the system
    return page


def seed_sources(province, user, now=None):
    """Seed `province`; returns the number of pages created (0 if it already has demo items)."""
    now = now or timezone.now()
    sections = list(SourceIndexPage.objects.filter(path__startswith=province.path))
    if any(SourceItemPage.objects.child_of(s).filter(owner=user).exists() for s in sections):
        return 0
    section = _section(province)
    if section is None:
        return 0
    created = 0
    today = timezone.localdate(now)
    for item in PROVINCE_ITEMS:
        _publish(
            section,
            SourceItemPage(
                title=item["title"],
                summary=item["summary"],
                priority=item["priority"],
                date=today,
                valid_from=now - datetime.timedelta(days=2),
                valid_until=now + datetime.timedelta(days=item["days"]),
            ),
            user,
            areas=[province],
        )
        created += 1
    districts = list(AreaPage.objects.filter(path__startswith=province.path, level="district").order_by("path"))
    for district in districts:
        section = _section(district)
        communes = list(CommuneHomePage.objects.child_of(district).order_by("path"))
        if section is None or not communes:
            continue
        _publish(
            section,
            SourceItemPage(
                title=f"Lịch tiếp công dân của Chủ tịch UBND {district.name_in_sentence} tháng {today.month}/{today.year}",
                summary=f"Chủ tịch UBND {district.name_in_sentence} tiếp công dân định kỳ vào sáng thứ Năm tuần thứ hai "
                f"và thứ tư của tháng tại Trụ sở tiếp công dân huyện. Người dân mang theo căn cước công dân "
                f"và giấy tờ liên quan.",
                date=today,
                valid_from=now - datetime.timedelta(days=1),
                valid_until=now + datetime.timedelta(days=30),
            ),
            user,
            areas=[district],
        )
        _publish(
            section,
            SourceItemPage(
                title="Thông báo tạm ngừng cung cấp điện để bảo trì lưới điện",
                summary="Điện lực huyện tạm ngừng cấp điện từ 7 giờ đến 16 giờ ngày thứ Bảy tuần này để thay dây và "
                "bảo trì trạm biến áp. Người dân chủ động sắp xếp sinh hoạt, sản xuất.",
                date=today,
                valid_from=now - datetime.timedelta(hours=6),
                valid_until=now + datetime.timedelta(days=5),
            ),
            user,
            communes=communes[:3],
        )
        created += 2
    # The alert: a coastal district if there is one, else the first; in 2025, five communes.
    coastal = [d for d in districts if "duyen hai" in fold_key(d.short_name)] or districts[:1]
    alert = EmergencyAlertPage(
        title="Cảnh báo triều cường và sạt lở bờ sông, bờ biển",
        event="Triều cường",
        category="Met",
        urgency="Expected",
        severity="Severe",
        certainty="Likely",
        summary="Triều cường đạt đỉnh vào chiều tối các ngày tới, mực nước cao hơn báo động III từ 0,2 đến 0,3 m, "
        "nguy cơ ngập úng vùng trũng thấp và sạt lở bờ sông, bờ biển.",
        instruction="Không neo đậu tàu thuyền ở khu vực sạt lở; gia cố nhà cửa, đê bao; di dời người và tài sản "
        "khỏi khu vực nguy hiểm khi có yêu cầu của chính quyền.",
        sender_name=f"Ban Chỉ huy PCTT và TKCN {province.name_in_sentence}",
        contact="Đường dây nóng 112",
        valid_from=now - datetime.timedelta(hours=2),
        valid_until=now + datetime.timedelta(days=3),
    )
    if coastal:
        _publish(_section(province), alert, user, areas=coastal[:1])
    else:
        _publish(
            _section(province),
            alert,
            user,
            communes=list(CommuneHomePage.objects.filter(path__startswith=province.path).order_by("path")[:5]),
        )
    return created + 1
