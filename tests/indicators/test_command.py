"""`manage.py indicators_report`: the figures printed, the CSV and the PDF written; bad input
exits non-zero with a clear message and writes nothing."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("indicators_report", *args, "--no-progress", stdout=out)
    return out.getvalue()


def test_prints_the_figures_and_writes_csv_and_pdf(world, tmp_path):
    csv_path, pdf_path = tmp_path / "cang-long.csv", tmp_path / "cang-long.pdf"
    out = run("--area", "huyen cang long", "--period", "2026-11", "--csv", str(csv_path), "--pdf", str(pdf_path))
    assert "Chỉ tiêu thông tin cơ sở – Huyện Càng Long – Tháng 11/2026" in out
    assert "Số liệu tính đến hết ngày 30/11/2026." in out
    assert "cập nhật trong 30 ngày (chung): 3/14 = 21,4%" in out
    assert "Xã có trang thông tin điện tử cập nhật trong 30 ngày: 2/13 = 15,4%" in out
    assert "Phường, thị trấn có trang thông tin điện tử cập nhật trong 30 ngày: 1/1 = 100,0%" in out
    # 2.2 for the district itself: its LED is seen; the ministry's 2025 target (100 %) stands in 2026.
    assert "2.2  Huyện có bảng điện tử cỡ lớn (LED, LCD) kết nối hệ thống thông tin nguồn: 1/1 = 100,0%" in out
    assert "chỉ tiêu bộ ≥ 100 % (năm 2025): Đạt" in out
    assert "đúng hạn (trong kỳ): 2/3 = 66,7%" in out
    assert "lượt xã nhận (tin × xã có trang hiện tin) 16; lượt phát trên bảng điện tử 6" in out
    assert "Xã An Trường" in out and "20/11/2026" in out
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 15 and rows[-1]["Có TTĐT hoạt động"] == "3" and rows[-1]["Lượt phát trên bảng"] == "6"
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(str(pdf_path)).pages).split())
    assert "HUYỆN CÀNG LONG" in text and "3/14 (21,4%)" in text and "TM. ỦY BAN NHÂN DÂN" in text
    assert "Nơi nhận:" in text
    assert f"Đã ghi báo cáo PDF: {pdf_path}" in out


def test_by_code_and_a_province_with_its_districts(world):
    out = run("--area", "84", "--period", "2026-11")
    assert "Tỉnh Trà Vinh" in out and "Huyện Càng Long" in out and "1/9 (11,1%)" in out
    assert "4/104 (3,8%)" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--area", "Hà Nộii", "--period", "2026"], "Không tìm thấy đơn vị"),
        (["--area", "999", "--period", "2026"], "Không tìm thấy đơn vị có mã “999”"),
        (["--area", "An Trường", "--period", "2026"], "đơn vị cấp xã"),
        (["--area", "Càng Long", "--period", "2026-Q5"], "không hợp lệ"),
        (["--area", "Càng Long", "--period", "2026-13"], "Tháng 13 không hợp lệ"),
        (["--area", "Càng Long", "--period", "2027"], "chưa bắt đầu"),
    ],
)
def test_bad_input(db, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_a_file_that_cannot_be_written_fails_before_the_work(db, tmp_path):
    with pytest.raises(CommandError, match="không có"):
        run("--area", "Càng Long", "--period", "2026-11", "--pdf", str(tmp_path / "missing" / "x.pdf"))
    with pytest.raises(CommandError, match="thư mục"):
        run("--area", "Càng Long", "--period", "2026-11", "--csv", str(tmp_path))
