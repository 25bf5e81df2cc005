"""Print PDFs: `<page URL>in/` for news, announcements and legal documents, and the weekly
bulletin of announcements at `<announcements index URL>ban-tin-tuan/`.

Each PDF is read back as a citizen would: its text (pypdf) must carry the title and the
agency, and the QR code on its first page, rendered to pixels (pypdfium2) and decoded with
OpenCV, must lead to the page's address on the commune's own site."""

import io
import re
import unicodedata
from datetime import date, datetime
from urllib.parse import urlsplit

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from django.utils import timezone
from pypdf import PdfReader
from wagtail.rich_text import RichText

from cms_pages.models import (
    AnnouncementIndexPage,
    AnnouncementPage,
    DocumentIndexPage,
    LegalDocumentPage,
    NewsIndexPage,
    NewsPage,
)
from cms_pages.printing import agency_lines, heading_and_excerpt, parse_iso_week, vietnamese_date

HOST = "an-truong.cang-long.tra-vinh.localhost:8000"
AGENCY = "UỶ BAN NHÂN DÂN XÃ AN TRƯỜNG"
NATION = "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


# --- Helpers ------------------------------------------------------------------------------


def _get(client, path):
    return client.get(path, HTTP_HOST=HOST)


def _path(page):
    return urlsplit(page.get_full_url()).path


def _publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def _aware(*args):
    return timezone.make_aware(datetime(*args))


def pdf_text(data):
    """All the PDF's text, NFC, on one line with single spaces (wrapped lines joined)."""
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def pdf_fonts(data):
    reader = PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            names.add(str(ref.get_object()["/BaseFont"]))
    return names


def render_page(data, index=0, dpi=200):
    """A page of the PDF as a grey-level numpy image."""
    pdf = pdfium.PdfDocument(data)
    try:
        image = pdf[index].render(scale=dpi / 72).to_pil().convert("L")
        return np.array(image)
    finally:
        pdf.close()


def decode_qrs(data, index=0):
    """The texts of the QR codes on a page of the PDF. OpenCV's detector misses a code at
    some scales, so the page is tried at a few resolutions, as a phone would from a few
    distances, and what is read at any of them counts."""
    detector = cv2.QRCodeDetector()
    decoded = set()
    for dpi in (200, 150, 300):
        image = render_page(data, index, dpi)
        found, texts, _, _ = detector.detectAndDecodeMulti(image)
        if found:
            decoded |= {t for t in texts if t}
        text, _, _ = detector.detectAndDecode(image)
        if text:
            decoded.add(text)
    return decoded


def page_count(data):
    return len(PdfReader(io.BytesIO(data)).pages)


def assert_pdf_response(response, filename_re):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.isascii()
    assert re.fullmatch(r'inline; filename="' + filename_re + r'"', disposition), disposition
    assert response.content.startswith(b"%PDF-")


# --- Fixtures -----------------------------------------------------------------------------


@pytest.fixture
def news_page(commune):
    section = NewsIndexPage.objects.child_of(commune).get()
    return _publish(
        section,
        NewsPage(
            title="Hội nghị triển khai nhiệm vụ năm 2026: giữ vững an ninh ở ấp Phú Thịnh",
            slug="hoi-nghi-trien-khai-nhiem-vu-2026",
            date=date(2026, 11, 12),
            summary="Ủy ban nhân dân xã tổ chức hội nghị triển khai nhiệm vụ phát triển kinh tế - xã hội.",
            body=[
                ("heading", "Những nội dung chính"),
                (
                    "paragraph",
                    RichText(
                        "<p>Hội nghị thống nhất <b>năm nhóm giải pháp</b> trọng tâm, "
                        "ưu tiên nâng cấp đường giao thông nông thôn.</p>"
                    ),
                ),
                ("quote", "Mỗi người dân là một chiến sĩ giữ gìn trật tự."),
            ],
        ),
    )


@pytest.fixture
def announcement_page(commune):
    section = AnnouncementIndexPage.objects.child_of(commune).get()
    return _publish(
        section,
        AnnouncementPage(
            title="Thông báo lịch tiêm phòng bệnh dại cho chó, mèo đợt II năm 2026",
            slug="lich-tiem-phong-benh-dai-dot-2",
            date=date(2026, 11, 10),
            summary="Các hộ nuôi chó, mèo đưa vật nuôi đến điểm tiêm tại nhà văn hoá các ấp.",
            body=[("paragraph", RichText("<p>Thời gian tiêm: từ 7 giờ đến 11 giờ các ngày thứ Bảy.</p>"))],
            valid_from=_aware(2026, 11, 10, 7, 0),
            valid_until=_aware(2030, 11, 30, 17, 0),
            priority="priority",
        ),
    )


@pytest.fixture
def document_page(commune):
    section = DocumentIndexPage.objects.child_of(commune).get()
    return _publish(
        section,
        LegalDocumentPage(
            title="Kế hoạch tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm 2026",
            slug="ke-hoach-ngay-hoi-dai-doan-ket-2026",
            number_symbol="35/KH-UBND",
            doc_type="ke_hoach",
            issuer="Uỷ ban nhân dân xã An Trường",
            signer="Trần Thị Thuỷ",
            issue_date=date(2026, 11, 2),
            effective_date=date(2026, 11, 5),
            summary="Về việc tổ chức Ngày hội Đại đoàn kết toàn dân tộc ở các ấp, giữ gìn truyền thống.",
        ),
    )


# --- One page -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fixture", ["news_page", "announcement_page", "document_page"])
def test_page_pdf_has_title_agency_and_a_qr_code_to_the_page(client, request, fixture):
    page = request.getfixturevalue(fixture)
    response = _get(client, _path(page) + "in/")
    assert_pdf_response(response, re.escape(page.slug) + r"\.pdf")

    text = pdf_text(response.content)
    # The kind, then the title without the kind it starts with ("Kế hoạch tổ chức …" under KẾ HOẠCH).
    kind = {"news_page": "Tin tức - sự kiện", "announcement_page": "Thông báo", "document_page": "Kế hoạch"}[fixture]
    heading, excerpt = heading_and_excerpt(kind, page.title)
    assert f"{heading} {excerpt}" in text
    assert AGENCY in text
    assert NATION in text
    assert MOTTO in text
    assert "Quét mã để xem bản điện tử" in text
    # The font shipped with the project is embedded (subset), not a system font.
    fonts = pdf_fonts(response.content)
    assert fonts and all(re.fullmatch(r"/[A-Z]{6}\+Noto-Sans(-Bold)?", name) for name in fonts), fonts

    assert decode_qrs(response.content) == {page.get_full_url()}


@pytest.mark.django_db
def test_news_pdf_has_date_summary_and_body(client, news_page):
    text = pdf_text(_get(client, _path(news_page) + "in/").content)
    assert "TIN TỨC - SỰ KIỆN" in text
    assert "12/11/2026" in text
    assert "An Trường, ngày 12 tháng 11 năm 2026" in text
    assert news_page.summary in text
    assert "Những nội dung chính" in text
    assert "năm nhóm giải pháp" in text
    assert "Mỗi người dân là một chiến sĩ giữ gìn trật tự." in text


@pytest.mark.django_db
def test_announcement_pdf_has_validity_and_priority(client, announcement_page):
    text = pdf_text(_get(client, _path(announcement_page) + "in/").content)
    assert "THÔNG BÁO" in text
    assert "ƯU TIÊN" in text
    assert "từ 07:00 ngày 10/11/2026 đến 17:00 ngày 30/11/2030" in text
    assert announcement_page.summary in text
    assert "Thời gian tiêm: từ 7 giờ đến 11 giờ các ngày thứ Bảy." in text


@pytest.mark.django_db
def test_document_pdf_does_not_repeat_its_type(client, document_page, announcement_page):
    text = pdf_text(_get(client, _path(document_page) + "in/").content)
    # "KẾ HOẠCH / Kế hoạch tổ chức …" → the type once, as the heading, then the rest of the title.
    assert "KẾ HOẠCH Tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm 2026" in text
    assert "Kế hoạch tổ chức" not in text
    text = pdf_text(_get(client, _path(announcement_page) + "in/").content)
    assert "THÔNG BÁO Lịch tiêm phòng bệnh dại cho chó, mèo đợt II năm 2026" in text
    assert "Thông báo lịch tiêm" not in text


@pytest.mark.django_db
def test_a_title_that_does_not_start_with_the_type_is_printed_whole(client, commune):
    section = DocumentIndexPage.objects.child_of(commune).get()
    page = _publish(
        section,
        LegalDocumentPage(
            title="V/v tăng cường phòng, chống dịch sốt xuất huyết",
            number_symbol="41/UBND",
            doc_type="cong_van",
            issuer="Uỷ ban nhân dân xã An Trường",
            signer="Trần Thị Thuỷ",
            issue_date=date(2026, 11, 20),
            summary="Đề nghị các ấp ra quân diệt lăng quăng.",
        ),
    )
    text = pdf_text(_get(client, _path(page) + "in/").content)
    assert "CÔNG VĂN V/v tăng cường phòng, chống dịch sốt xuất huyết" in text


def test_heading_and_excerpt():
    assert heading_and_excerpt("Kế hoạch", "Kế hoạch tổ chức Ngày hội") == ("KẾ HOẠCH", "Tổ chức Ngày hội")
    assert heading_and_excerpt("Kế hoạch", "KẾ HOẠCH: triển khai chuyển đổi số") == (
        "KẾ HOẠCH",
        "Triển khai chuyển đổi số",
    )
    assert heading_and_excerpt("Công văn", "Công văn v/v nghỉ Tết") == ("CÔNG VĂN", "V/v nghỉ Tết")
    assert heading_and_excerpt("Công văn", "V/v nghỉ Tết") == ("CÔNG VĂN", "V/v nghỉ Tết")
    assert heading_and_excerpt("Quyết định", "Quyết định - Ban hành quy chế") == ("QUYẾT ĐỊNH", "Ban hành quy chế")
    # Either tone placement; but another tone or another vowel is another word.
    assert heading_and_excerpt("Thông báo", "Thông báo lịch họp")[1] == "Lịch họp"
    assert heading_and_excerpt("Hoà giải", "Hòa giải tranh chấp")[1] == "Tranh chấp"
    assert heading_and_excerpt("Báo cáo", "Bão cáo cấp độ 3")[1] == "Bão cáo cấp độ 3"
    assert heading_and_excerpt("Kế hoạch", "Kế hoạchxyz tổ chức")[1] == "Kế hoạchxyz tổ chức"
    assert heading_and_excerpt("Thông báo", "Thông báo") == ("THÔNG BÁO", "")
    assert heading_and_excerpt("Tin tức - sự kiện", "Hội nghị tổng kết") == ("TIN TỨC - SỰ KIỆN", "Hội nghị tổng kết")


@pytest.mark.django_db
def test_document_pdf_has_its_metadata(client, document_page):
    text = pdf_text(_get(client, _path(document_page) + "in/").content)
    assert "KẾ HOẠCH" in text
    # Issued by the commune itself: its number and date stand under the header, as on paper.
    assert "Số: 35/KH-UBND" in text
    assert "An Trường, ngày 02 tháng 11 năm 2026" in text
    for label, value in [
        ("Số, ký hiệu", "35/KH-UBND"),
        ("Loại văn bản", "Kế hoạch"),
        ("Cơ quan ban hành", "Uỷ ban nhân dân xã An Trường"),
        ("Người ký", "Trần Thị Thuỷ"),
        ("Ngày ban hành", "02/11/2026"),
        ("Ngày hiệu lực", "05/11/2026"),
        ("Tình trạng", "Còn hiệu lực"),
        ("Trích yếu", document_page.summary),
    ]:
        assert f"{label} {value}" in text, label


@pytest.mark.django_db
def test_document_files_and_body_attachments_are_listed(client, commune, document_page, settings, tmp_path):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    from cms_pages.models import LegalDocumentFile

    settings.MEDIA_ROOT = str(tmp_path)
    scan = Document.objects.create(title="Bản scan kế hoạch 35", file=ContentFile(b"%PDF-1.4", name="kh35.pdf"))
    LegalDocumentFile.objects.create(page=document_page, document=scan)
    text = pdf_text(_get(client, _path(document_page) + "in/").content)
    assert "Tệp văn bản Bản scan kế hoạch 35 (PDF)" in text

    section = NewsIndexPage.objects.child_of(commune).get()
    news = _publish(section, NewsPage(title="Tin có tệp đính kèm", summary="Xem tệp.", body=[("document", scan)]))
    assert "Bản scan kế hoạch 35 (PDF)" in pdf_text(_get(client, _path(news) + "in/").content)


@pytest.mark.django_db
def test_document_of_another_issuer_has_no_number_under_the_commune(client, commune):
    section = DocumentIndexPage.objects.child_of(commune).get()
    page = _publish(
        section,
        LegalDocumentPage(
            title="Quyết định ban hành quy chế",
            number_symbol="12/2026/QĐ-UBND",
            doc_type="quyet_dinh",
            issuer="Uỷ ban nhân dân tỉnh Trà Vinh",
            signer="Lê Văn Ân",
            issue_date=date(2026, 3, 1),
            summary="Ban hành quy chế phối hợp.",
        ),
    )
    text = pdf_text(_get(client, _path(page) + "in/").content)
    assert "Số: 12/2026/QĐ-UBND" not in text
    assert "Số, ký hiệu 12/2026/QĐ-UBND" in text
    assert AGENCY in text


@pytest.mark.django_db
def test_body_images_come_from_the_media_storage_not_the_network(client, commune, settings, tmp_path):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    settings.MEDIA_ROOT = str(tmp_path)
    image = Image.objects.create(title="Cầu Phú Thịnh", file=get_test_image_file(colour="red"))
    section = NewsIndexPage.objects.child_of(commune).get()
    page = _publish(
        section,
        NewsPage(
            title="Khánh thành cầu Phú Thịnh",
            summary="Cầu mới nối hai ấp.",
            body=[("image", {"image": image, "caption": "Cầu mới ở ấp Phú Thịnh", "alt": ""})],
        ),
    )
    response = _get(client, _path(page) + "in/")
    assert response.status_code == 200
    assert "Cầu mới ở ấp Phú Thịnh" in pdf_text(response.content)
    images = PdfReader(io.BytesIO(response.content)).pages[0].images
    assert len(images) == 1


@pytest.mark.django_db
def test_stacked_vietnamese_marks_come_through(client, news_page):
    text = pdf_text(_get(client, _path(news_page) + "in/").content)
    for word in ["giữ", "ở", "Thịnh", "nghị", "triển", "Ủy", "nhiệm", "vụ"]:
        assert word in text


@pytest.mark.django_db
def test_same_page_gives_the_same_pdf(client, document_page):
    first = _get(client, _path(document_page) + "in/").content
    second = _get(client, _path(document_page) + "in/").content
    assert first == second


@pytest.mark.django_db
def test_draft_page_has_no_pdf(client, commune):
    section = NewsIndexPage.objects.child_of(commune).get()
    draft = NewsPage(title="Bản nháp chưa đăng", slug="ban-nhap-chua-dang", summary="Chưa đăng.", live=False)
    section.add_child(instance=draft)
    draft.save_revision()
    assert _get(client, _path(draft) + "in/").status_code == 404


@pytest.mark.django_db
def test_unpublished_page_has_no_pdf(client, news_page):
    news_page.unpublish()
    assert _get(client, _path(news_page) + "in/").status_code == 404


@pytest.mark.django_db
def test_page_of_a_commune_is_not_printed_under_another_host(client, news_page):
    response = client.get(_path(news_page) + "in/", HTTP_HOST="cang-long.tra-vinh.localhost:8000")
    assert response.status_code == 404


# --- Weekly bulletin ----------------------------------------------------------------------------


@pytest.fixture
def week_47(commune):
    """Announcements around ISO week 2026-W47 (Monday 16 to Sunday 22 November 2026)."""
    section = AnnouncementIndexPage.objects.child_of(commune).get()

    def add(slug, title, valid_from, valid_until, priority="normal", live=True):
        page = AnnouncementPage(
            title=title,
            slug=slug,
            summary=f"Tóm tắt: {title.lower()}.",
            valid_from=valid_from,
            valid_until=valid_until,
            priority=priority,
            live=live,
        )
        section.add_child(instance=page)
        revision = page.save_revision()
        if live:
            revision.publish()
        page.refresh_from_db()
        return page

    return section, {
        "normal_overlapping_start": add(
            "hop-to-dan-pho", "Họp tổ nhân dân tự quản ấp Tân Thịnh", _aware(2026, 11, 10, 8), _aware(2026, 11, 17, 8)
        ),
        "emergency": add(
            "bao-lu",
            "Khẩn cấp: nước lũ dâng cao ở ấp Phú Thịnh, di dời người dân",
            _aware(2026, 11, 20, 6),
            None,
            "emergency",
        ),
        "priority": add(
            "cat-dien",
            "Lịch cắt điện để sửa chữa lưới điện trung thế",
            _aware(2026, 11, 18, 7),
            _aware(2026, 11, 19, 17),
            "priority",
        ),
        "whole_month": add(
            "thu-thue", "Thu thuế sử dụng đất phi nông nghiệp năm 2026", _aware(2026, 11, 1), _aware(2026, 12, 31)
        ),
        "expired": add(
            "da-het-han", "Thông báo đã hết hạn trước tuần này", _aware(2026, 11, 1), _aware(2026, 11, 16, 0, 0)
        ),
        "future": add("tuan-sau", "Thông báo cho tuần sau", _aware(2026, 11, 23, 0, 0), _aware(2026, 11, 30)),
        "draft": add(
            "ban-nhap", "Bản nháp thông báo trong tuần", _aware(2026, 11, 17), _aware(2026, 11, 18), live=False
        ),
    }


@pytest.mark.django_db
def test_weekly_bulletin_lists_exactly_the_weeks_announcements_by_priority(client, week_47):
    section, pages = week_47
    response = _get(client, _path(section) + "ban-tin-tuan/?tuan=2026-W47")
    assert_pdf_response(response, r"ban-tin-tuan-an-truong-2026-W47\.pdf")

    text = pdf_text(response.content)
    assert AGENCY in text
    assert NATION in text
    assert "BẢN TIN THÔNG BÁO" in text
    assert "Tuần 47 năm 2026" in text
    assert "16/11/2026" in text and "22/11/2026" in text
    for key in ["expired", "future", "draft"]:
        assert pages[key].title not in text, key
    shown = ["emergency", "priority", "normal_overlapping_start", "whole_month"]
    for key in shown:
        assert pages[key].title in text, key
        assert pages[key].summary in text, key
    positions = [text.index(pages[key].title) for key in shown]
    assert positions[0] < positions[1] < min(positions[2:]), "emergency, then priority, then normal"
    assert "KHẨN CẤP" in text
    assert "từ 06:00 ngày 20/11/2026 đến khi có thông báo mới" in text
    assert "từ 07:00 ngày 18/11/2026 đến 17:00 ngày 19/11/2026" in text

    # One small QR code per announcement, each to its page on the commune's site.
    decoded = set()
    for index in range(page_count(response.content)):
        decoded |= decode_qrs(response.content, index)
    assert decoded == {pages[key].get_full_url() for key in shown}


@pytest.mark.django_db
def test_weekly_bulletin_of_an_empty_week(client, week_47):
    section, _ = week_47
    response = _get(client, _path(section) + "ban-tin-tuan/?tuan=2020-W10")
    assert_pdf_response(response, r"ban-tin-tuan-an-truong-2020-W10\.pdf")
    assert "Trong tuần này không có thông báo nào." in pdf_text(response.content)


@pytest.mark.django_db
def test_weekly_bulletin_defaults_to_this_week(client, commune):
    section = AnnouncementIndexPage.objects.child_of(commune).get()
    year, week, _ = timezone.localdate().isocalendar()
    response = _get(client, _path(section) + "ban-tin-tuan/")
    assert_pdf_response(response, rf"ban-tin-tuan-an-truong-{year}-W{week:02d}\.pdf")
    assert f"Tuần {week} năm {year}" in pdf_text(response.content)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "2026-47",
        "2026-W54",
        "2026-W00",
        "2025-W53",
        "0000-W01",
        "2026-W4x",
        "99999-W01",
        "2026-W47'; --",
        "２０２６-W47",
    ],
)
def test_weekly_bulletin_bad_week_is_a_400_in_vietnamese(client, commune, value):
    section = AnnouncementIndexPage.objects.child_of(commune).get()
    response = client.get(_path(section) + "ban-tin-tuan/", {"tuan": value}, HTTP_HOST=HOST)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert "Tuần không hợp lệ" in body
    assert "2026-W47" in body


@pytest.mark.django_db
def test_weekly_bulletin_accepts_week_53_of_a_long_year(client, commune):
    section = AnnouncementIndexPage.objects.child_of(commune).get()
    response = _get(client, _path(section) + "ban-tin-tuan/?tuan=2026-W53")
    assert_pdf_response(response, r"ban-tin-tuan-an-truong-2026-W53\.pdf")


# --- Pure helpers -------------------------------------------------------------------------------


def test_parse_iso_week():
    today = date(2026, 11, 19)
    assert parse_iso_week("", today) == date(2026, 11, 16)
    assert parse_iso_week("2026-W47", today) == date(2026, 11, 16)
    assert parse_iso_week("2026w47", today) == date(2026, 11, 16)
    assert parse_iso_week("2027-W01", today) == date(2027, 1, 4)
    assert parse_iso_week("2026-W53", today) == date(2026, 12, 28)
    for bad in ["2025-W53", "2026-W0", "x", "2026-W-1", "１２３４-W01"]:
        with pytest.raises(ValueError):
            parse_iso_week(bad, today)


def test_vietnamese_date_and_agency_lines():
    assert vietnamese_date(date(2026, 2, 5)) == "ngày 05 tháng 02 năm 2026"
    assert vietnamese_date(date(2026, 11, 16)) == "ngày 16 tháng 11 năm 2026"
    assert agency_lines("Uỷ ban nhân dân xã An Trường") == ["UỶ BAN NHÂN DÂN", "XÃ AN TRƯỜNG"]
    assert agency_lines("Uỷ ban nhân dân phường 1") == ["UỶ BAN NHÂN DÂN", "PHƯỜNG 1"]
    assert agency_lines("Văn phòng HĐND và UBND") == ["VĂN PHÒNG HĐND VÀ UBND"]
