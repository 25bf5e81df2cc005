"""Two-factor sign-in in a real browser (signin/): a district official who publishes alerts logs in
with the password, is sent to enrolment with the reason, "scans" the QR code (the key read from
the page, as a phone reads it), confirms with a code, sees the recovery codes, logs out, and logs
in again with a code from the app; a wrong code says how many tries are left."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import _TOTP_KEYS, totp_code

pytestmark = pytest.mark.browser

HOST = "cang-long.tra-vinh.localhost"
USER = "kd-cang-long-hai-buoc"
PASSWORD = "Mat-khau-hai-buoc-2026"

SETUP = f"""
from django.contrib.auth import get_user_model
from areas.models import AreaPage
district = AreaPage.objects.get(structure="2024", level="district", code="844")
user, _ = get_user_model().objects.get_or_create(username="{USER}")
user.set_password("{PASSWORD}"); user.save(); user.groups.add(district.moderators_group)
print(user.pk)
"""


def _log_in(page, origin):
    page.goto(origin + "/admin/login/")
    page.fill("#id_username", USER)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").first.click()


def test_an_official_enrols_then_signs_in_with_a_code(live_site, browser, artifacts_dir):
    live_site.manage("shell", "--no-imports", "-c", SETUP)
    origin = live_site.url(HOST, "").rstrip("/")
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        # The password: the admin stays closed, the enrolment page says why.
        _log_in(page, origin)
        page.wait_for_url(re.compile(r"/admin/xac-thuc-hai-buoc/bat/\?next="))
        alert = page.get_by_role("alert")
        assert "Tài khoản của bạn là cán bộ Huyện Càng Long, có quyền gửi thông tin nguồn" in alert.inner_text()
        qr = page.get_by_role("img", name=re.compile("Mã QR để thêm tài khoản"))
        assert qr.is_visible() and qr.locator("svg").bounding_box()["width"] > 150
        page.screenshot(path=str(artifacts_dir / "two-factor-enrol.png"), full_page=True)
        page.goto(origin + "/admin/pages/")  # any other page: back to enrolment
        assert "/admin/xac-thuc-hai-buoc/bat/" in page.url

        # The "phone" scans: the key on the page; a wrong code first, then the right one.
        secret = page.locator("[data-totp-secret]").get_attribute("data-totp-secret")
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in page.locator(".signin-secret").inner_text()
        _TOTP_KEYS[USER] = secret
        page.fill("#id_otp_token", "12345")
        page.get_by_role("button", name="Bật xác thực hai bước").click()
        expect(page.locator("#main")).to_contain_text("Mã gồm đúng 6 chữ số")
        page.fill("#id_otp_token", totp_code(origin, USER))
        page.get_by_role("button", name="Bật xác thực hai bước").click()

        # The recovery codes, once, with download and print.
        page.wait_for_url(re.compile(r"/admin/xac-thuc-hai-buoc/ma-du-phong/"))
        codes = page.locator("[data-recovery-codes] li").all_inner_texts()
        assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}", c) for c in codes)
        assert page.get_by_role("button", name="In mã").is_visible()  # the script ran
        with page.expect_download() as download:
            page.get_by_role("link", name="Tải về (tệp văn bản)").click()
        saved = download.value.path().read_text(encoding="utf-8")
        assert download.value.suggested_filename == f"ma-du-phong-{USER}.txt" and codes[0] in saved
        page.screenshot(path=str(artifacts_dir / "two-factor-codes.png"), full_page=True)
        page.get_by_role("link", name="Tôi đã lưu mã, tiếp tục").click()
        page.wait_for_url(re.compile(r"/admin/pages/\d+/$"))  # where they were going: the admin is open

        # Log out, log in: the code page; a wrong code leaves tries; the app's code opens the admin.
        page.goto(origin + "/admin/xac-thuc-hai-buoc/ma-du-phong/")
        expect(page.locator("#main")).to_contain_text("Mã dự phòng chỉ hiện một lần")
        page.get_by_role("button", name="Đăng xuất").click()
        page.wait_for_url(re.compile(r"/admin/login/"))
        _log_in(page, origin)
        page.wait_for_url(re.compile(r"/admin/xac-thuc-hai-buoc/ma/"))
        right = totp_code(origin, USER)
        page.fill("#id_otp_token", "000000" if right != "000000" else "111111")
        page.get_by_role("button", name="Xác nhận").click()
        expect(page.locator("#main")).to_contain_text("Còn 4 lần thử")
        page.screenshot(path=str(artifacts_dir / "two-factor-code.png"), full_page=True)
        page.wait_for_timeout(1100)  # django-otp waits a second after a wrong code
        page.fill("#id_otp_token", right)
        page.get_by_role("button", name="Xác nhận").click()
        page.wait_for_url(re.compile(r"/admin/$"))
        assert page.get_by_role("heading", level=1).count() >= 1
        # Nothing broke in the pages' scripts (the wrong codes' answers are 400s, logged as such).
        assert not [e for e in errors if "status of 400" not in e], errors
    finally:
        context.close()
