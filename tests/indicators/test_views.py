"""The admin dashboard, its CSV and its PDF: who sees which area, bad input as 4xx with a
Vietnamese message, and the hand-computed figures of conftest.py in the page, the CSV and the PDF."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from pypdf import PdfReader

from areas.models import SiteIdentity
from indicators.views import areas_for_user

pytestmark = pytest.mark.django_db
PASSWORD = "x-Strong-pass-123"


@pytest.fixture
def url():
    return reverse("tincoso_indicators")


def user_in(name, *groups, superuser=False):
    if superuser:
        return get_user_model().objects.create_superuser(name, f"{name}@example.vn", PASSWORD)
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    for group in groups:
        user.groups.add(group)
    return user


@pytest.fixture
def district_editor(world):
    return user_in("bientap_cang_long_ct", world.cang_long.editors_group)


@pytest.fixture
def province_moderator(world):
    return user_in("kiemduyet_tinh_ct", world.province.moderators_group)


def text_of(response):
    return response.content.decode()


def test_a_district_editor_sees_their_district_by_default(client, url, district_editor, world):
    client.force_login(district_editor)
    response = client.get(url, {"ky": "2026-11"})
    assert response.status_code == 200
    assert response.context["area"].pk == world.cang_long.pk
    html = text_of(response)
    assert "Huyện Càng Long · Tháng 11/2026" in html
    assert "hết ngày 30/11/2026" in html
    summary = {line["number"]: line for line in response.context["summary"]}
    other = {line["number"]: line for line in response.context["other_summary"]}
    assert (other["websites"]["count"], other["websites"]["total"], other["websites"]["rate"]) == ("3", "14", "21,4%")
    assert (summary["1.4-30"]["count"], summary["1.3-30"]["count"]) == ("2", "1")  # xã; thị trấn Càng Long
    assert (other["boards"]["count"], other["boards"]["rate"]) == ("2", "14,3%")
    assert (summary["1.6"]["count"], summary["1.5"]["count"]) == ("1", "1")
    assert (summary["2.2"]["count"], summary["2.2"]["total"], summary["2.2"]["rate"]) == ("1", "1", "100,0%")
    assert (other["on_time"]["count"], other["on_time"]["total"], other["on_time"]["rate"]) == ("2", "3", "66,7%")
    assert (other["online"]["count"], other["online"]["total"]) == ("2", "4")
    # A district gets a table per commune, the types, and six trend charts as inline SVG (four of
    # the boards and websites, two of the loudspeakers: 1.1 and 1.2).
    assert [row["name"] for row in response.context["main_table"]["rows"]][:2] == ["Xã An Trường", "Xã An Trường A"]
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 7  # and the bars against the targets
    assert "Tỷ lệ đơn vị cấp xã có trang thông tin điện tử hoạt động" in html
    assert "<polyline" in html


def test_a_district_editor_cannot_see_other_areas(client, url, district_editor, world):
    client.force_login(district_editor)
    for other in (world.province, world.duyen_hai):
        response = client.get(url, {"don_vi": other.pk, "ky": "2026-11"})
        assert response.status_code == 403
        assert "không có quyền xem chỉ tiêu" in text_of(response)
        assert response.context["report"] is None
    # Nor the CSV or the PDF of another area.
    csv_url = reverse("tincoso_indicators_csv")
    assert client.get(csv_url, {"don_vi": world.province.pk, "ky": "2026-11"}).status_code == 403
    assert [a.pk for a in areas_for_user(district_editor)] == [world.cang_long.pk]


@pytest.mark.parametrize(
    "value, status, message",
    [
        ({"don_vi": "abc"}, 404, "Không có địa bàn “abc”"),
        ({"don_vi": "99999999999999999999999"}, 404, "Không có địa bàn"),
        ({"don_vi": "0"}, 404, "Không có địa bàn"),
        ({"ky": "2026-13"}, 400, "Tháng 13 không hợp lệ"),
        ({"ky": "hôm qua"}, 400, "không hợp lệ"),
        ({"ky": "2026-02-30..2026-03-01"}, 400, "ngày không tồn tại"),
        ({"ky": "2027"}, 400, "chưa bắt đầu"),
    ],
)
def test_bad_input_is_a_4xx_with_a_message(client, url, district_editor, value, status, message):
    client.force_login(district_editor)
    for target in (url, reverse("tincoso_indicators_csv"), reverse("tincoso_indicators_pdf")):
        response = client.get(target, value)
        assert response.status_code == status, target
        assert message in text_of(response)


def test_a_commune_editor_has_no_indicators(client, url, world):
    user = user_in("bientap_an_truong_ct", world.an_truong.editors_group)
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 403
    assert "huyện hay tỉnh" in text_of(response)
    assert url not in text_of(client.get(reverse("wagtailadmin_home")))


def test_the_menu_item_for_district_staff(client, url, district_editor):
    client.force_login(district_editor)
    assert url in text_of(client.get(reverse("wagtailadmin_home")))
    group = Group.objects.create(name="Chỉ vào trang quản trị (chỉ tiêu)")
    group.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    client.force_login(user_in("khong_don_vi_ct", group))
    assert url not in text_of(client.get(reverse("wagtailadmin_home")))
    assert client.get(url).status_code == 403


def test_province_staff_see_the_districts_and_may_choose_one(client, url, province_moderator, world):
    client.force_login(province_moderator)
    areas = areas_for_user(province_moderator)
    assert areas[0].pk == world.province.pk and len(areas) == 10
    assert areas[1].indicators_label.endswith("– Tỉnh Trà Vinh")
    response = client.get(url, {"ky": "2026-11"})
    table = response.context["main_table"]
    assert table["first"] == "Huyện" and len(table["rows"]) == 9
    cang_long = next(row for row in table["rows"] if row["code"] == "844")
    # No station registered here: the loudspeaker indicators (1.1, 1.2) count none of the communes.
    assert cang_long["cells"][:9] == [
        "14",
        "3/14 (21,4%)",
        "2/14 (14,3%)",
        "Có",
        "2/4 (50,0%)",
        "0/14 (0,0%)",
        "0/14 (0,0%)",
        "2/3 (66,7%)",
        "2",
    ]
    assert table["total"]["cells"] == [
        "104",
        "4/104 (3,8%)",
        "3/104 (2,9%)",
        "1/9 (11,1%)",
        "3/7 (42,9%)",
        "0/104 (0,0%)",
        "0/104 (0,0%)",
        "3/4 (75,0%)",
        "3",
        "24",
        "8",
    ]
    chosen = client.get(url, {"ky": "2026-11", "don_vi": world.duyen_hai.pk})
    assert chosen.status_code == 200 and chosen.context["report"].area.pk == world.duyen_hai.pk


def test_a_superuser_chooses_any_province_or_district(client, url, world):
    client.force_login(user_in("admin_ct", superuser=True))
    response = client.get(url, {"don_vi": world.tra_cu.pk, "ky": "2026"})
    assert response.status_code == 200
    assert response.context["report"].is_current  # this year, as of now


def test_csv_export(client, province_moderator, world):
    client.force_login(province_moderator)
    response = client.get(reverse("tincoso_indicators_csv"), {"ky": "2026-11", "don_vi": world.province.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="chi-tieu-ttcs-tinh-tra-vinh-2026-11.csv"' in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 10  # 9 districts and the total
    total = rows[-1]
    assert (total["Cấp"], total["Mã"], total["Số đơn vị cấp xã"], total["Có TTĐT hoạt động"]) == (
        "tổng",
        "84",
        "104",
        "4",
    )
    assert total["Tỷ lệ có TTĐT hoạt động (%)"] == "3.8"
    assert (total["Xã có TTĐT hoạt động"], total["Phường, thị trấn có TTĐT hoạt động"]) == ("3", "1")
    assert (total["Huyện có bảng cỡ lớn kết nối"], total["Số huyện"]) == ("1", "9")
    assert (total["Bảng trực tuyến"], total["Bảng đang hoạt động"]) == ("3", "7")
    assert (total["Đã trả lời"], total["Trả lời đúng hạn"], total["Tỷ lệ trả lời đúng hạn (%)"]) == ("4", "3", "75.0")
    assert (
        total["Thông tin nguồn"],
        total["Cảnh báo khẩn cấp"],
        total["Lượt xã nhận"],
        total["Lượt phát trên bảng"],
        total["Số bảng đã phát"],
    ) == ("2", "1", "24", "8", "3")
    cang_long = next(row for row in rows if row["Mã"] == "844")
    assert (cang_long["Có bảng điện tử hoạt động (24 giờ)"], cang_long["Tỷ lệ có bảng điện tử hoạt động (%)"]) == (
        "2",
        "14.3",
    )


def pdf_text(content):
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def test_pdf_report_holds_the_figures(client, district_editor, world):
    client.force_login(district_editor)
    response = client.get(reverse("tincoso_indicators_pdf"), {"ky": "2026-11"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="chi-tieu-ttcs-huyen-cang-long-2026-11.pdf"' in response["Content-Disposition"]
    text, reader = pdf_text(response.content)
    flat = " ".join(text.split())
    # The administrative header, under the issuing body, and the date of issue.
    for words in (
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UỶ BAN NHÂN DÂN",
        "HUYỆN CÀNG LONG",
        "Càng Long, ngày 05 tháng 12 năm 2026",
        "BÁO CÁO",
        "Tháng 11/2026",
        "hết ngày 30/11/2026",
        "TM. ỦY BAN NHÂN DÂN",
        "Nơi nhận:",
    ):
        assert words in flat, words
    # The figures: summary, per commune, per type, and the charts' text.
    for figure in (
        "21,4%",
        "14,3%",
        "100,0%",
        "66,7%",
        "50,0%",
        "3/14 (21,4%)",
        "2/13 (15,4%)",
        "20/11/2026",
        "Chung: 7,1% ngày 14/09, 21,4% ngày 30/11",
        "Xã: 7,7% ngày 14/09, 15,4% ngày 30/11",
    ):
        assert figure in flat, figure  # 14/09: Mỹ Cẩm's announcement of 01/09
    assert len(reader.pages) >= 2


def test_pdf_uses_the_site_agency_where_set(client, province_moderator, world):
    site = world.province.portal.get_site()
    SiteIdentity.objects.update_or_create(
        site=site, defaults={"agency": "Sở Văn hoá, Thể thao và Du lịch tỉnh Trà Vinh"}
    )
    client.force_login(province_moderator)
    response = client.get(reverse("tincoso_indicators_pdf"), {"ky": "2026-11", "don_vi": world.province.pk})
    flat = " ".join(pdf_text(response.content)[0].split())
    assert "SỞ VĂN HOÁ, THỂ THAO VÀ DU LỊCH TỈNH TRÀ VINH" in flat
    assert "Trà Vinh, ngày 05 tháng 12 năm 2026" in flat
    assert "Huyện Càng Long" in flat and "1/9 (11,1%)" in flat  # the district table
    assert "Phụ lục" in flat  # per commune, as an annex
