"""Demo departments (sở, ngành, phòng) as sources of information for a seeded province
(`manage.py seed_demo`, after seed_sources).

Three departments of the province (Sở Y tế; Sở Nông nghiệp và Môi trường; Sở Văn hóa, Thể thao
và Du lịch) and, when the structure has districts (2024), Phòng Văn hóa - Thông tin of the first
district: each provisioned like one added in "Sở, ngành, phòng ban" (groups, section, workflow)
and with two published source items aimed at communes of its area, so that the province's
"Thông tin nguồn" lists them by department and the indicator of departments that supplied
information has figures. The demo makes no accounts; the items are owned by the demo user so
that `seed_demo --reset` removes them with the rest. Idempotent: a second run adds nothing.
"""

import datetime

from django.utils import timezone

from areas.departments import provision_department
from areas.models import AreaPage, CommuneHomePage, Department
from sources.models import SourceItemPage

PROVINCE_DEPARTMENTS = [
    (
        "Sở Y tế",
        "so-y-te",
        [
            (
                "Tiêm bổ sung vắc xin sởi cho trẻ từ 1 đến 5 tuổi",
                "Trạm y tế các xã tổ chức tiêm bổ sung vắc xin sởi miễn phí cho trẻ từ 1 đến 5 tuổi trong hai "
                "tuần tới. Phụ huynh mang sổ tiêm chủng hoặc ứng dụng VNeID khi đưa trẻ đi tiêm.",
            ),
            (
                "Khuyến cáo phòng bệnh tay chân miệng ở trẻ em",
                "Rửa tay bằng xà phòng, lau sạch đồ chơi và sàn nhà hằng ngày; trẻ sốt, nổi bóng nước ở tay, "
                "chân, miệng cần được đưa đến cơ sở y tế và nghỉ học đến khi khỏi bệnh.",
            ),
        ],
    ),
    (
        "Sở Nông nghiệp và Môi trường",
        "so-nong-nghiep-va-moi-truong",
        [
            (
                "Lịch thời vụ xuống giống lúa vụ Đông Xuân",
                "Các xã xuống giống tập trung, né rầy theo lịch khuyến cáo; dùng giống xác nhận, gieo sạ thưa và "
                "theo dõi bẫy đèn để phòng rầy nâu.",
            ),
            (
                "Theo dõi độ mặn trên các sông trước khi lấy nước",
                "Độ mặn đang tăng ở cửa sông. Người dân kiểm tra độ mặn trước khi bơm nước vào ruộng, trữ nước "
                "ngọt cho sinh hoạt và chăn nuôi.",
            ),
        ],
    ),
    (
        "Sở Văn hóa, Thể thao và Du lịch",
        "so-van-hoa-the-thao-va-du-lich",
        [
            (
                "Hội thi văn nghệ quần chúng các xã năm nay",
                "Mỗi xã đăng ký một đội văn nghệ từ 10 đến 15 người, tiết mục ca ngợi quê hương; hạn đăng ký "
                "trước ngày 20 của tháng tới tại phòng văn hóa huyện.",
            ),
            (
                "Giải chạy việt dã toàn dân hưởng ứng ngày thể thao Việt Nam",
                "Giải mở cho mọi lứa tuổi, cự ly 3 km và 5 km, đăng ký tại UBND xã. Vận động viên mang theo căn "
                "cước công dân khi nhận số đeo.",
            ),
        ],
    ),
]
DISTRICT_DEPARTMENT = (
    "Phòng Văn hóa - Thông tin",
    "phong-van-hoa-thong-tin",
    [
        (
            "Chiếu phim lưu động phục vụ nhân dân các ấp",
            "Đội chiếu phim lưu động chiếu tại sân văn hóa các ấp vào tối thứ Bảy, bắt đầu lúc 19 giờ; "
            "bà con đến xem miễn phí.",
        ),
        (
            "Tuyên truyền phòng, chống lừa đảo qua mạng",
            "Không bấm vào đường dẫn lạ, không cung cấp mã OTP cho bất kỳ ai, kể cả người xưng là công an hay "
            "nhân viên ngân hàng; khi nghi ngờ, gọi ngay công an xã.",
        ),
    ],
)


def _department(area, name, code, kind):
    department, _created = Department.objects.get_or_create(area=area, code=code, defaults={"name": name, "kind": kind})
    provision_department(department)
    department.refresh_from_db()
    return department


def _items(department, items, communes, user, now):
    section = department.section.specific
    created = 0
    today = timezone.localdate(now)
    for n, (title, summary) in enumerate(items):
        if SourceItemPage.objects.child_of(section).filter(title=title).exists():
            continue
        page = SourceItemPage(
            title=title,
            summary=summary,
            date=today,
            valid_from=now - datetime.timedelta(days=n + 1),
            valid_until=now + datetime.timedelta(days=30),
            owner=user,
        )
        page.target_communes = communes
        section.add_child(instance=page)
        page.save_revision(user=user).publish()
        created += 1
    return created


def seed_departments(province, user, now=None):
    """Seed `province`'s departments and their items; returns the number of items created."""
    now = now or timezone.now()
    communes = list(CommuneHomePage.objects.filter(path__startswith=province.path).order_by("path"))
    if not communes:
        return 0
    created = 0
    for i, (name, code, items) in enumerate(PROVINCE_DEPARTMENTS):
        department = _department(province, name, code, "so")
        chosen = communes[i * 3 : i * 3 + 6] or communes[:6]  # a few communes each, overlapping
        created += _items(department, items, chosen, user, now)
    district = AreaPage.objects.filter(path__startswith=province.path, level="district").order_by("path").first()
    if district is not None:
        name, code, items = DISTRICT_DEPARTMENT
        department = _department(district, name, code, "phong")
        created += _items(
            department, items, list(CommuneHomePage.objects.child_of(district).order_by("path")[:5]), user, now
        )
    return created
