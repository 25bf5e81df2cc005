"""The rate of answers on time counts the overdue unanswered questions in its base, in the figures,
the dashboard, the CSV and the PDF; the periodic report ends as an administrative document
(Nghị định 30/2020/NĐ-CP): the signature block on the right, "Nơi nhận:" at the bottom left, as
each area sets them ("Người ký, nơi nhận", scoped like the indicators)."""

import csv
import datetime
import io
import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from pypdf import PdfReader

from indicators.compute import Ratio, compute
from indicators.models import ReportSigning

from .conftest import NOVEMBER, NOW, at, inquiry

pytestmark = pytest.mark.django_db
PASSWORD = "x-Strong-pass-123"


def user_in(name, *groups):
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    for group in groups:
        user.groups.add(group)
    return user


@pytest.fixture
def backlog(world):
    """One more question in An Trường, received 01/11 and due 14/11, still unanswered at T:
    Càng Long answered 3 in November (2 on time) and left 1 overdue."""
    return inquiry(world.an_truong, at(2026, 11, 1, 9), datetime.date(2026, 11, 14))


@pytest.fixture
def district_editor(world):
    return user_in("bientap_cang_long_bc", world.cang_long.editors_group)


def pdf_lines(content):
    """[(page, x, y, text)] of every text run, y growing downwards from the top of the page."""
    runs = []
    for number, page in enumerate(PdfReader(io.BytesIO(content)).pages):
        height = float(page.mediabox.height)

        def visit(text, cm, tm, font, size, number=number, height=height):
            text = unicodedata.normalize("NFC", text).strip()
            if text:
                x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
                y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
                runs.append((number, x, height - y, text))

        page.extract_text(visitor_text=visit)
    return runs


def find(runs, text):
    found = [run for run in runs if run[3].startswith(text)]
    assert found, f"{text!r} not in the PDF"
    return found[0]


def flat_text(content):
    reader = PdfReader(io.BytesIO(content))
    return " ".join(unicodedata.normalize("NFC", " ".join(p.extract_text() for p in reader.pages)).split())


# --- Answers on time: answered on time / (answered + overdue unanswered) -------------------------------


def test_on_time_counts_the_overdue_unanswered_questions(world, backlog):
    report = compute(world.cang_long, NOVEMBER, now=NOW)
    figures = report.total.inquiries
    assert (figures.answered, figures.answered_on_time, figures.overdue) == (3, 2, 1)
    assert report.total.on_time == Ratio(2, 4)  # was 2/3 before the backlog counted
    communes = {row.code: row for row in report.communes}
    assert communes[world.an_truong.code].on_time == Ratio(1, 3)  # 1 on time, 1 late, 1 overdue
    assert compute(world.province, NOVEMBER, now=NOW).total.on_time == Ratio(3, 5)


def test_both_parts_are_shown_on_the_dashboard_in_the_csv_and_the_pdf(client, world, backlog, district_editor):
    client.force_login(district_editor)
    response = client.get(reverse("tincoso_indicators"), {"ky": "2026-11"})
    line = next(line for line in response.context["other_summary"] if line["number"] == "on_time")
    assert (line["count"], line["total"], line["rate"]) == ("2", "4", "50,0%")
    assert line["note"].startswith("Tổng số = 3 đã trả lời + 1 quá hạn chưa trả lời")
    html = response.content.decode()
    assert "Tổng số = 3 đã trả lời + 1 quá hạn chưa trả lời" in html
    an_truong = next(row for row in response.context["main_table"]["rows"] if row["code"] == world.an_truong.code)
    assert an_truong["cells"][-1] == "1/3 (33,3%)"

    csv_response = client.get(reverse("tincoso_indicators_csv"), {"ky": "2026-11"})
    total = list(csv.DictReader(io.StringIO(csv_response.content.decode("utf-8-sig"))))[-1]
    assert (total["Đã trả lời"], total["Trả lời đúng hạn"], total["Quá hạn chưa trả lời"]) == ("3", "2", "1")
    assert (total["Đã trả lời + quá hạn"], total["Tỷ lệ trả lời đúng hạn (%)"]) == ("4", "50.0")

    text = flat_text(client.get(reverse("tincoso_indicators_pdf"), {"ky": "2026-11"}).content)
    assert "Tổng số = 3 đã trả lời + 1 quá hạn chưa trả lời" in text
    assert "1/3 (33,3%)" in text  # An Trường in the table per commune


# --- The report as an administrative document ------------------------------------------------------------


def test_the_pdf_ends_with_the_signature_block_and_the_recipients_bottom_left(client, world, district_editor):
    client.force_login(district_editor)
    content = client.get(reverse("tincoso_indicators_pdf"), {"ky": "2026-11"}).content
    text = flat_text(content)
    for words in (
        "UỶ BAN NHÂN DÂN HUYỆN CÀNG LONG",  # the issuing body
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc",  # the national motto
        "Số: /BC-UBND",  # number (written in when issued) and symbol
        "Càng Long, ngày 05 tháng 12 năm 2026",  # place and date
        "BÁO CÁO Kết quả thực hiện các chỉ tiêu phát triển hệ thống thông tin cơ sở",  # type and title
        "I. Các chỉ tiêu",  # the body
    ):
        assert words in text, words
    runs = pdf_lines(content)
    recipients = find(runs, "Nơi nhận:")
    authority, delegation, title = (
        find(runs, "TM. ỦY BAN NHÂN DÂN"),
        find(runs, "KT. CHỦ TỊCH"),
        find(runs, "PHÓ CHỦ TỊCH"),
    )
    # The default recipients of a district: the province, the district's leaders, the archive.
    province_line = find(runs, "- UBND tỉnh Trà Vinh (để báo cáo);")
    archive = find(runs, "- Lưu: VT.")
    last_section = find(runs, "VI. Diễn biến")

    page_width = float(PdfReader(io.BytesIO(content)).pages[0].mediabox.width)
    # After the body, on one page: "Nơi nhận:" on the left, the signature block on the right, side by side.
    assert (recipients[0], recipients[2]) > (last_section[0], last_section[2])
    assert recipients[0] == authority[0] == archive[0]
    assert recipients[1] < page_width / 2 < authority[1]
    assert abs(recipients[2] - authority[2]) < 5
    assert authority[2] < delegation[2] < title[2]  # TM., then KT., then the title, one under another
    assert recipients[2] < province_line[2] < archive[2]


def test_each_area_sets_its_signer_and_recipients(client, world, district_editor):
    url = reverse("tincoso_indicators_signing")
    client.force_login(district_editor)
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert (form["authority"].value(), form["delegation"].value(), form["signer_title"].value()) == (
        "TM. ỦY BAN NHÂN DÂN",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
    )
    assert "UBND tỉnh Trà Vinh (để báo cáo);" in form["recipients"].value()
    # The dashboard links to it.
    dashboard = client.get(reverse("tincoso_indicators"), {"ky": "2026-11"}).content.decode()
    assert f"{url}?don_vi={world.cang_long.pk}" in dashboard

    data = {
        "symbol": "BC-VHTT",
        "authority": "",
        "delegation": "",
        "signer_title": "Trưởng phòng Văn hoá và Thông tin",
        "signer_name": "Nguyễn Văn Bảy",
        "recipients": "Sở Văn hoá, Thể thao và Du lịch;\n\n- Lưu: VT, VHTT.",
    }
    bad = client.post(url, {**data, "symbol": "BC VHTT/!", "signer_title": ""})
    assert bad.status_code == 400
    assert "Ký hiệu gồm chữ và số nối bằng dấu gạch ngang" in bad.content.decode()
    assert "Vui lòng nhập chức vụ người ký" in bad.content.decode()
    assert not ReportSigning.objects.exists()

    saved = client.post(url, data)
    assert saved.status_code == 302
    assert saved["Location"] == f"{reverse('tincoso_indicators')}?don_vi={world.cang_long.pk}"
    signing = ReportSigning.objects.get(area=world.cang_long)
    assert signing.updated_by == district_editor

    text = flat_text(client.get(reverse("tincoso_indicators_pdf"), {"ky": "2026-11"}).content)
    assert "Số: /BC-VHTT" in text
    assert "TRƯỞNG PHÒNG VĂN HOÁ VÀ THÔNG TIN Nguyễn Văn Bảy" in text
    assert "TM. ỦY BAN NHÂN DÂN" not in text and "KT. CHỦ TỊCH" not in text
    assert "Nơi nhận: - Sở Văn hoá, Thể thao và Du lịch; - Lưu: VT, VHTT." in text

    # Another district's report is not theirs to sign; an area that does not exist is a 404.
    refused = client.post(f"{url}?don_vi={world.duyen_hai.pk}", data)
    assert refused.status_code == 403 and "không thuộc đơn vị của bạn" in refused.content.decode()
    assert client.get(f"{url}?don_vi=abc").status_code == 404
    assert not ReportSigning.objects.filter(area=world.duyen_hai).exists()
    # Nor a commune's staff.
    client.force_login(user_in("bientap_an_truong_bc", world.an_truong.editors_group))
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403

    # The province's staff may set a district's (theirs), and keep the province's default.
    client.force_login(user_in("kiemduyet_tinh_bc", world.province.moderators_group))
    assert client.post(f"{url}?don_vi={world.duyen_hai.pk}", data).status_code == 302
    province = flat_text(client.get(reverse("tincoso_indicators_pdf"), {"ky": "2026-11"}).content)
    assert "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH" in province
    assert "- Chủ tịch, các Phó Chủ tịch UBND tỉnh Trà Vinh;" in province
