"""A question received by phone, in a real browser: an editor of An Trường records it in the admin
("Thêm câu hỏi/phản ánh"), gets the tracking code on the receipt and prints it; the citizen, on a
phone, looks the code up on the commune's site and sees the question received."""

import re

import pytest

pytestmark = pytest.mark.browser

HOST = "an-truong.cang-long.tra-vinh.localhost"
PASSWORD = "Mat-khau-thu-2026"
TITLE = "Hỏi qua điện thoại về hỗ trợ sửa nhà cho hộ nghèo"

MAKE_EDITOR = f"""
from django.contrib.auth import get_user_model
from areas.models import CommuneHomePage
home = CommuneHomePage.objects.get(structure="2024", short_name="An Trường")
user, _ = get_user_model().objects.get_or_create(username="tiepnhan-an-truong", defaults={{"first_name": "Lan"}})
user.set_password("{PASSWORD}")
user.save()
user.groups.add(home.editors_group)
"""


def _shell(live_site, code):
    """What the code printed last (Django's shell may print a line of its own first)."""
    return live_site.manage("shell", "--no-imports", "-c", code).stdout.strip().splitlines()[-1]


def test_editor_records_a_phone_question_and_the_citizen_looks_it_up(live_site, browser, phone, artifacts_dir):
    live_site.manage("shell", "-c", MAKE_EDITOR)
    desk = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900}).new_page()
    desk.goto(live_site.url(HOST, "/admin/login/"))
    desk.fill("#id_username", "tiepnhan-an-truong")
    desk.fill("#id_password", PASSWORD)
    desk.locator("form button[type=submit]").first.click()
    desk.wait_for_url(re.compile(r"/admin/$"))

    # 1. From the queue, "Thêm câu hỏi/phản ánh".
    desk.goto(live_site.url(HOST, "/admin/hoi-dap/"))
    desk.get_by_role("link", name="Thêm câu hỏi/phản ánh").first.click()
    desk.wait_for_url(re.compile(r"/admin/hoi-dap/new/$"))
    assert desk.get_by_role("combobox", name="Xã tiếp nhận").input_value() != ""  # their only commune, already chosen
    assert desk.get_by_role("combobox", name="Kênh tiếp nhận").locator("option:checked").inner_text() == "Điện thoại"
    desk.get_by_role("combobox", name="Lĩnh vực").select_option("chinh_sach")
    desk.get_by_role("textbox", name="Tiêu đề").fill(TITLE)
    desk.get_by_role("textbox", name="Nội dung").fill(
        "Bà Năm ở ấp Giồng Cao gọi điện hỏi điều kiện và hồ sơ xin hỗ trợ sửa nhà cho hộ nghèo năm nay."
    )
    desk.get_by_role("textbox", name="Họ và tên").fill("Lê Thị Năm")
    desk.get_by_role("textbox", name="Số điện thoại").fill("0939 123 456")
    desk.get_by_role("checkbox", name=re.compile("Người dân đã đồng ý")).check()
    desk.screenshot(path=str(artifacts_dir / "staff-question-form.png"), full_page=True)
    desk.get_by_role("button", name="Lưu và lấy mã tra cứu").click()

    # 2. The receipt: the code to read out, and a sheet to print.
    desk.wait_for_url(re.compile(r"/admin/hoi-dap/receipt/\d+/$"))
    code = desk.locator(".tracking-code").get_attribute("data-code")
    shown = desk.locator(".tracking-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{10}", code) and shown == f"{code[:5]}-{code[5:]}"
    assert "Điện thoại" in desk.content()
    desk.screenshot(path=str(artifacts_dir / "staff-question-receipt.png"), full_page=True)
    with desk.context.expect_page() as printed:
        desk.get_by_role("link", name="In phiếu tiếp nhận").click()
    sheet = printed.value
    sheet.wait_for_load_state()
    assert sheet.get_by_role("heading", level=1).inner_text() == "PHIẾU TIẾP NHẬN CÂU HỎI, PHẢN ÁNH"
    assert sheet.locator(".tracking-code").inner_text() == shown
    assert f"tra-cuu/?ma={code}" in sheet.content()
    sheet.pdf(path=str(artifacts_dir / "staff-question-receipt.pdf"), format="A5")
    stored = _shell(
        live_site,
        "from inquiries.models import Inquiry; i = Inquiry.objects.get(title='" + TITLE + "'); "
        "print(i.code, i.channel, i.recorded_by.username, i.phone)",
    )
    assert stored == f"{code} dien_thoai tiepnhan-an-truong 0939123456"

    # It is in the queue, to be handled like any other.
    desk.goto(live_site.url(HOST, "/admin/hoi-dap/"))
    assert TITLE in desk.content()
    desk.screenshot(path=str(artifacts_dir / "staff-question-queue.png"), full_page=True)
    desk.context.close()

    # 3. The citizen, on a phone, types the code as given (lower case, with its dash).
    phone.goto(live_site.url(HOST, "/hoi-dap/tra-cuu/"))
    phone.get_by_label("Mã tra cứu").fill(shown.lower())
    phone.get_by_role("button", name="Tra cứu").click()
    phone.wait_for_url(re.compile(r"/hoi-dap/tra-cuu/\?ma="))
    assert phone.locator(".status-label").inner_text() == "Đã tiếp nhận"
    assert phone.get_by_role("heading", name=TITLE).is_visible()
    assert "0939123456" not in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(artifacts_dir / "staff-question-lookup-phone.png"), full_page=True)
