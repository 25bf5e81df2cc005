"""Page addresses in the real admin, in chromium: a commune's editor types a Vietnamese title, the
slug field shows the folded slug before saving, and the published announcement lives at it.
Also: Wagtail's own `urlify`, run in the browser, gives what core/slugs.py's port says, and
the admin's slug field (with vietnamese-slugs.js) gives what the server's `folded_slug` gives."""

import re
import unicodedata

import pytest

from core.slugs import folded_slug, wagtail_urlify

pytestmark = pytest.mark.browser

PASSWORD = "Mat-khau-dia-chi-2026"
USERNAME = "bientap-an-truong"
HOST = "an-truong.cang-long.tra-vinh.localhost"
TITLE = "Cảnh báo lốc xoáy, mưa đá chiều tối nay"
FOLDED = "canh-bao-loc-xoay-mua-da-chieu-toi-nay"

# A user of Xã An Trường who writes and publishes (its editors and moderators groups).
SETUP = f"""
from django.contrib.auth import get_user_model
from areas.models import CommuneHomePage
from cms_pages.models import AnnouncementIndexPage
commune = CommuneHomePage.objects.get(structure="2024", short_name="An Trường")
user, _ = get_user_model().objects.get_or_create(username="{USERNAME}")
user.set_password("{PASSWORD}"); user.save()
user.groups.add(commune.editors_group, commune.moderators_group)
print(AnnouncementIndexPage.objects.child_of(commune).get().pk)
"""

TITLES = [
    TITLE,
    "Đường dây nóng: 0294 3862 123",
    "Kế hoạch 35/KH-UBND ngày 15/3/2026",
    "  ỨNG PHÓ BÃO SỐ 9 – “KHẨN”  ",
    "Hội nghị_trực tuyến Thủy/Thuỷ lợi",
    "Quyết định về việc phê duyệt kế hoạch phòng, chống thiên tai và tìm kiếm cứu nạn năm 2026 của xã An Trường",
    unicodedata.normalize("NFD", "Thông báo tiêm chủng đợt 2"),
    "Ελληνικά и русский — Ørsted",
    "100% -",
]

URLIFY_IN_BROWSER = """async (titles) => {
  // Wagtail's own controller, without the project's formatters (the attribute is set: the script skips it).
  const input = document.createElement('input');
  input.setAttribute('data-controller', 'w-slug');
  input.setAttribute('data-w-slug-trim-value', 'true');
  input.setAttribute('data-w-slug-formatters-value', '[]');
  document.body.append(input);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const plain = window.wagtail.app.getControllerForElementAndIdentifier(input, 'w-slug');
  const field = window.wagtail.app.getControllerForElementAndIdentifier(document.getElementById('id_slug'), 'w-slug');
  const run = (controller, value) => controller.urlify({ detail: { value } }, { ignoreUpdate: true, runFormat: true });
  return titles.map((title) => [run(plain, title), run(field, title)]);
}"""


def _login(page, live_site):
    page.goto(live_site.url(HOST, "/admin/login/"))
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/admin/$"))


@pytest.fixture(scope="module")
def section(live_site):
    return live_site.manage("shell", "--no-imports", "-c", SETUP).stdout.strip().splitlines()[-1]


def test_a_commune_editor_publishes_an_announcement_at_its_folded_address(
    live_site, browser, phone, section, artifacts_dir
):
    desk = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 1000}).new_page()
    _login(desk, live_site)
    desk.goto(live_site.url(HOST, f"/admin/pages/add/cms_pages/announcementpage/{section}/"))
    title = desk.locator("#id_title")
    title.click()
    title.press_sequentially(TITLE)
    desk.locator("#id_summary").click()  # the editor moves on to the summary
    desk.locator("#id_summary").fill("Người dân chằng chống nhà cửa, không trú dưới cây to, tránh xa cột điện.")

    # Before saving: the slug field, where the editor finds it, shows the folded slug.
    slug = desk.locator("#id_slug")
    if not slug.is_visible():  # on another tab of the form: open it
        tab = slug.evaluate("e => e.closest('[role=tabpanel]').getAttribute('aria-labelledby')")
        desk.locator(f"#{tab}").click()
    assert slug.is_visible()
    assert slug.input_value() == FOLDED
    desk.screenshot(path=str(artifacts_dir / "slug-field-before-saving.png"), full_page=True)

    desk.locator("button[name=action-publish]").dispatch_event("click")
    desk.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
    assert TITLE in desk.content()
    desk.context.close()

    # A citizen finds it in the commune's announcements and opens it: the address is the folded one.
    phone.goto(live_site.url(HOST, "/thong-bao/"))
    phone.get_by_role("link", name=TITLE).first.click()
    phone.wait_for_load_state()
    assert phone.url == live_site.url(HOST, f"/thong-bao/{FOLDED}/")
    assert phone.locator("h1").first.inner_text().strip() == TITLE
    phone.screenshot(path=str(artifacts_dir / "slug-announcement-phone.png"), full_page=True)


def test_wagtails_urlify_and_the_slug_field_match_the_server(live_site, browser, section):
    desk = browser.new_context(locale="vi-VN").new_page()
    _login(desk, live_site)
    desk.goto(live_site.url(HOST, f"/admin/pages/add/cms_pages/announcementpage/{section}/"))
    results = desk.evaluate(URLIFY_IN_BROWSER, TITLES)
    desk.context.close()
    for title, (wagtail_made, field_made) in zip(TITLES, results):
        assert wagtail_made == wagtail_urlify(title), title
        assert field_made == folded_slug(title), title
