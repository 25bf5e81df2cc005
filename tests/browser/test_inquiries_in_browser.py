"""The whole flow in a real browser: a citizen asks on a commune site from a phone (the
anti-spam proof of work runs in the page's JavaScript) and gets a code; an editor of that
commune answers in the admin; the answer appears on the commune site and on the status page;
an editor of another commune cannot see the question."""

import re

import pytest

pytestmark = pytest.mark.browser

HOST = "an-truong.cang-long.tra-vinh.localhost"
OTHER_HOST = "dong-hai.duyen-hai.tra-vinh.localhost"
PASSWORD = "Mat-khau-thu-2026"
TITLE = "Hỏi về hồ sơ cấp đổi giấy chứng nhận quyền sử dụng đất"

MAKE_EDITORS = f"""
from django.contrib.auth import get_user_model
from areas.models import CommuneHomePage
User = get_user_model()
for username, name in (("bientap-an-truong", "An Trường"), ("bientap-dong-hai", "Đông Hải")):
    home = CommuneHomePage.objects.get(structure="2024", short_name=name)
    user, _ = User.objects.get_or_create(username=username, defaults={{"email": username + "@example.vn"}})
    user.set_password("{PASSWORD}")
    user.save()
    user.groups.add(home.editors_group)
"""


@pytest.fixture(scope="module")
def editors(live_site):
    live_site.manage("shell", "-c", MAKE_EDITORS)


def _shell(live_site, code):
    """What the code printed last (Django's shell may print a line of its own first)."""
    return live_site.manage("shell", "--no-imports", "-c", code).stdout.strip().splitlines()[-1]


def _login(page, live_site, username):
    page.goto(live_site.url(HOST, "/admin/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/admin/$"))


def test_citizen_asks_editor_answers_answer_is_public(live_site, browser, phone, editors, artifacts_dir):
    # 1. A citizen on a phone.
    phone.goto(live_site.url(HOST, "/hoi-dap/"))
    phone.get_by_role("link", name="Gửi câu hỏi, phản ánh").click()
    phone.wait_for_url(re.compile(r"/hoi-dap/gui/$"))
    phone.get_by_label("Lĩnh vực").select_option("dat_dai")
    phone.get_by_label("Tiêu đề").fill(TITLE)
    phone.get_by_label("Nội dung").fill(
        "Sổ đỏ nhà tôi cấp năm 2003 đã rách, mờ. Tôi cần giấy tờ gì để đổi sổ mới <script>alert('x')</script>?"
    )
    phone.get_by_label("Họ và tên").fill("Trần Thị Mai")
    phone.get_by_label("Số điện thoại").fill("0987 654 321")
    phone.get_by_label(re.compile("Tôi đồng ý")).check()
    # The proof of work finishes by itself (16 bits at the default difficulty).
    phone.wait_for_function(
        "() => document.querySelector('[data-pow-status]').textContent.includes('Đã xác minh')", timeout=60_000
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(artifacts_dir / "inquiry-form-phone.png"), full_page=True)
    phone.get_by_role("button", name="Gửi").click()
    phone.wait_for_url(re.compile(r"/hoi-dap/da-gui/[0-9A-Z]{10}/$"))
    assert phone.get_by_role("heading", level=1).inner_text() == "Đã gửi thành công"
    code = phone.locator(".tracking-code").get_attribute("data-code")
    shown = phone.locator(".tracking-code").inner_text()
    assert len(code) == 10 and shown == f"{code[:5]}-{code[5:]}"
    phone.screenshot(path=str(artifacts_dir / "inquiry-receipt-phone.png"), full_page=True)

    # The status page by code: received.
    phone.get_by_role("link", name="Xem tình trạng xử lý").click()
    assert phone.locator(".status-label").inner_text() == "Đã tiếp nhận"

    # 2. The editor of another commune does not see it, and its URL is closed to them.
    other = browser.new_context(locale="vi-VN").new_page()
    _login(other, live_site, "bientap-dong-hai")
    other.goto(live_site.url(HOST, "/admin/hoi-dap/"))
    assert TITLE not in other.content()
    pk = _shell(live_site, f"from inquiries.models import Inquiry; print(Inquiry.objects.get(code='{code}').pk)")
    response = other.goto(live_site.url(HOST, f"/admin/hoi-dap/edit/{pk}/"))
    assert response.status in (403, 404)
    other.context.close()

    # 3. The editor of An Trường answers in the admin.
    desk = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900}).new_page()
    _login(desk, live_site, "bientap-an-truong")
    desk.goto(live_site.url(HOST, "/admin/hoi-dap/"))
    desk.get_by_role("link", name=TITLE).first.click()
    desk.wait_for_url(re.compile(rf"/admin/hoi-dap/edit/{pk}/$"))
    assert "0987654321" in desk.content()  # the handler sees the phone; the public never does
    editor = desk.locator("[data-field-input] [contenteditable=true]").first
    editor.click()
    editor.type("Ông/bà mang giấy chứng nhận cũ đến Bộ phận một cửa của xã để làm thủ tục cấp đổi.")
    # Draftail writes its hidden input a moment after the last keystroke (debounced).
    desk.wait_for_function("() => document.querySelector('input[name=answer]').value.includes('Bộ phận một cửa')")
    desk.get_by_role("checkbox", name="Công khai câu hỏi và trả lời").check()
    desk.screenshot(path=str(artifacts_dir / "inquiry-admin-answer.png"), full_page=True)
    desk.get_by_role("button", name=re.compile(r"^Lưu")).first.click()
    desk.wait_for_load_state()
    desk.screenshot(path=str(artifacts_dir / "inquiry-admin-saved.png"))
    assert "answered True" in _shell(
        live_site,
        f"from inquiries.models import Inquiry; i = Inquiry.objects.get(code='{code}'); print(i.status, i.is_public)",
    )
    desk.context.close()

    # 4. The answer is public on the commune site, and the status page says so.
    phone.goto(live_site.url(HOST, "/hoi-dap/"))
    phone.get_by_role("link", name=TITLE).click()
    assert "Bộ phận một cửa" in phone.locator(".qa-answer").inner_text()
    assert "<script>" in phone.locator(".qa-question").inner_text()  # shown as text, not run
    assert "0987654321" not in phone.content() and "Trần Thị Mai" not in phone.content()
    phone.screenshot(path=str(artifacts_dir / "inquiry-answer-public-phone.png"), full_page=True)
    phone.goto(live_site.url(HOST, f"/hoi-dap/tra-cuu/?ma={code}"))
    assert phone.locator(".status-label").inner_text() == "Đã trả lời"
    phone.get_by_label("Rất hài lòng").check()
    phone.get_by_role("button", name="Gửi đánh giá").click()
    assert "Cảm ơn bạn đã đánh giá (5/5)" in phone.locator(".notice").inner_text()
