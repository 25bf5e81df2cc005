"""The admin speaks only Vietnamese, to every role, even to a browser that asks for English.

A browser set to English (locale en-US, Accept-Language: en) logs in as a commune editor and as
a province administrator (superuser) and walks every item and sub-item of the admin menu,
collected from the sidebar itself, each listing it leads to and the first item's edit page, plus
the commune's explorer, a page's edit screen and history, the questions queue with questions
received minutes, a day and weeks ago (so relative times show), and the account page. On every
page no English word of the list below may show: not in the visible text (screen-reader text
included), not in a visible field's placeholder, button or accessible name, not in the title bar
(commands and protocol terms set as code, addresses and file names aside). Also: the login
page and the sidebar carry the project's mark, not Wagtail's; the guide is in the menu and reads
well on a phone; the account page runs without a console error.
"""

import json
import re
from urllib.parse import urlsplit

import pytest

from .conftest import sign_in

pytestmark = pytest.mark.browser

COMMUNE = "Tập Sơn"  # huyện Trà Cú: no other browser test uses it
HOST = "tap-son.tra-cu.tra-vinh.localhost"
PROVINCE_HOST = "tra-vinh.localhost"
EDITOR = "bientap-tap-son"
ADMIN = "quantri-tinh-tra-vinh"
PASSWORD = "Mat-khau-thu-2026"
ENGLISH_BROWSER = {
    "locale": "en-US",
    "extra_http_headers": {"Accept-Language": "en-US,en;q=0.9"},
    "viewport": {"width": 1280, "height": 900},
}

SEED = """
import datetime, io, json
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from areas.models import CommuneHomePage
from boards.models import Board
from core.working_days import deadline_for
from inquiries.models import CONSENT_VERSION, Inquiry, new_tracking_code
from tests.factories import announcement, news

User = get_user_model()
home = CommuneHomePage.objects.get(structure="2024", short_name="@COMMUNE@")
editor, _ = User.objects.get_or_create(username="@EDITOR@", defaults={"email": "bientap@example.vn"})
editor.set_password("@PASSWORD@"); editor.save(); editor.groups.add(home.editors_group)
admin, _ = User.objects.get_or_create(username="@ADMIN@", defaults={"email": "quantri@example.vn"})
admin.is_superuser = admin.is_staff = True; admin.set_password("@PASSWORD@"); admin.save()

item = news(home, "Tập Sơn ra quân làm đường giao thông nông thôn", days_ago=1)
item.summary = "Người dân các ấp góp công, góp đất làm 3 km đường bê tông."
item.save_revision(user=editor)
if not item.workflow_in_progress:
    item.get_workflow().start(item, editor)  # the commune's moderation: "Đang chờ bạn duyệt" for the moderators
announcement(home, "Lịch tiếp công dân tháng này", priority="priority")
now = timezone.now()
for n, (title, ago, status) in enumerate([
    ("Hỏi về hồ sơ cấp đổi giấy chứng nhận quyền sử dụng đất", datetime.timedelta(minutes=6), "received"),
    ("Phản ánh đèn đường ấp Ba Cụm không sáng", datetime.timedelta(hours=26), "assigned"),
    ("Hỏi về thủ tục đăng ký khai sinh cho con", datetime.timedelta(days=21), "answered"),
]):
    received = now - ago
    Inquiry.objects.get_or_create(
        submission_key=f"i18n:{home.pk}:{n}",
        defaults=dict(
            code=new_tracking_code(), commune=home, kind="phan_anh" if n == 1 else "hoi_dap", title=title,
            body="Nội dung câu hỏi của người dân.", name="Trần Thị Mai", phone="0912000114",
            consent_version=CONSENT_VERSION, consented_at=received, client_key="i18n", status=status,
            received_at=received, deadline=deadline_for(received),
            answer="<p>Ông/bà mang hồ sơ đến Bộ phận một cửa.</p>" if status == "answered" else "",
            answered_at=now - datetime.timedelta(days=20) if status == "answered" else None,
        ),
    )
picture = io.BytesIO()
PILImage.new("RGB", (64, 48), (200, 30, 40)).save(picture, "PNG")
get_image_model().objects.get_or_create(
    title="Ảnh ra quân làm đường", collection=home.collection,
    defaults={"file": ImageFile(io.BytesIO(picture.getvalue()), name="ra-quan.png")},
)
get_document_model().objects.get_or_create(
    title="Kế hoạch làm đường giao thông nông thôn", collection=home.collection,
    defaults={"file": ContentFile(b"%PDF-1.4 ke hoach", name="ke-hoach-lam-duong.pdf")},
)
board, _ = Board.objects.get_or_create(owner=home, name="Bảng LED trước trụ sở UBND xã", defaults={"width": 384, "height": 192, "kind": "led"})
from boards import channel
if not board.commands.exists():
    channel.send(board, "volume", {"level": 40}, user=editor)  # the control page's history has a row
print(json.dumps({"commune": home.pk, "news": item.pk, "board": board.pk}))
"""

# Whole words and phrases of the English admin (Wagtail's and Django's), matched case-sensitively;
# relative times only after a number ("6 minutes trước"), since "day" alone is Vietnamese too.
ENGLISH_WORDS = """
Edit Delete Add Search Dashboard Pages Page Images Image Documents Document Settings Reports Help
Status Live Draft Save Publish Unpublish Cancel Filter Filters Sort Account Snippets Workflow
Workflows Users User Groups Group Sites Site Collections Collection Redirects Title Type Actions
Updated Created Name Email Password Username Upload Choose Preview History Revisions Comments Lock
Unlock Locked Privacy Private Public True False None Yes Previous Next Close Show Hide Apply Clear
Select Profile Notifications Language Root Wagtail Shortcuts Sidebar Moderation Approve Submit
Permissions Results Loading More Default Port Owner Parent Usage Expired Scheduled Guide Admin
ago the and of your this with you for any is are has have not add change delete edit page pages
""".split()
ENGLISH_PHRASES = [
    "Log out",
    "Sign in",
    "Remember me",
    "Time zone",
    "just now",
    "Site name",
    "Root page",
    "Editor Guide",
]
TIME_UNITS = "minutes?|hours?|days?|weeks?|months?|years?"
ENGLISH = re.compile(
    r"(?<![\w.-])(" + "|".join(map(re.escape, ENGLISH_PHRASES + ENGLISH_WORDS)) + r")(?![\w-])"
    r"|\d+\s(" + TIME_UNITS + r")\b"
)
# Protocol terms shown as such: the kinds of CAP messages on the CAP import page.
ALLOWED = {"/admin/thong-tin-nguon/nhap-cap/": {"Alert", "Update", "Cancel"}}
NOT_WORDS = re.compile(r"https?://\S+|[\w.-]+\.localhost\S*|/admin/\S*|\S+@\S+|\S+\.(?:pdf|png|jpg|txt)\b")

VISIBLE_TEXT = """() => {
    const rendered = (el) => !!(el.offsetParent || el.getClientRects().length);
    const parts = [document.title, document.body.innerText];
    for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
        if (rendered(el)) parts.push(el.placeholder);
    }
    for (const el of document.querySelectorAll('input[type=submit], input[type=button], input[type=reset]')) {
        parts.push(el.value);
    }
    for (const el of document.querySelectorAll('[aria-label]')) {
        if (rendered(el)) parts.push(el.getAttribute('aria-label'));
    }
    return {text: parts.join('\\n'), code: [...document.querySelectorAll('code, pre, kbd, samp')].filter(rendered).map((el) => el.innerText)};
}"""


@pytest.fixture(scope="module")
def seeded(live_site):
    code = SEED
    for key, value in {"COMMUNE": COMMUNE, "EDITOR": EDITOR, "ADMIN": ADMIN, "PASSWORD": PASSWORD}.items():
        code = code.replace(f"@{key}@", value)
    out = live_site.manage("shell", "--no-imports", "-c", code).stdout.strip().splitlines()[-1]
    return json.loads(out)


def _login(page, live_site, host, username):
    sign_in(page, live_site.url(host, ""), username, PASSWORD)  # the province admin enrols the first time


def _menu_urls(page):
    """Every link of the sidebar (items of submenus included), read from its own data."""
    props = json.loads(page.locator("#wagtail-sidebar-props").text_content())
    urls = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("url"), str):
                urls.append(node["url"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(props)
    return urls


def _english_on(page, path):
    shown = page.evaluate(VISIBLE_TEXT)
    text = shown["text"]
    for code in shown["code"]:  # commands, file names and protocol terms set as code
        if len(code.strip()) > 1:
            text = text.replace(code, " ")
    text = NOT_WORDS.sub(" ", text)
    allowed = ALLOWED.get(path, set())
    found = set()
    for line in text.splitlines():
        for match in ENGLISH.finditer(line):
            word = match.group(0)
            if word not in allowed:
                found.add(f"{word!r} in “{line.strip()[:120]}”")
    return sorted(found)


class Walk:
    def __init__(self, page, live_site, host):
        self.page, self.live_site, self.host = page, live_site, host
        self.seen, self.problems = [], {}

    def visit(self, url):
        """Open an admin URL, note any English on it; return the page's edit links."""
        if url in self.seen:
            return []
        self.seen.append(url)
        response = self.page.goto(self.live_site.url(self.host, url))
        self.page.wait_for_load_state("networkidle")
        if response is None or response.status >= 400:
            self.problems[url] = [f"HTTP {response.status if response else '?'}"]
            return []
        english = _english_on(self.page, urlsplit(url).path)
        if english:
            self.problems[url] = english
        links = self.page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
        return [link for link in links if re.match(r"^/admin/.*/(edit|inspect)/", link or "")]

    def menu_and_first_items(self, extra=()):
        menu = [url for url in _menu_urls(self.page) if url != "#"]
        assert menu, "the sidebar has no links"
        assert all(url.startswith("/admin/") for url in menu), menu  # nothing leads to English pages outside
        for url in ["/admin/", *menu, *extra]:
            edit_links = self.visit(url)
            if edit_links:
                self.visit(edit_links[0])
        return menu


def _report(problems):
    return "\n".join(f"{url}:\n    " + "\n    ".join(found) for url, found in problems.items())


def test_commune_editor_sees_only_vietnamese_in_an_english_browser(live_site, browser, seeded, artifacts_dir):
    context = browser.new_context(**ENGLISH_BROWSER)
    page = context.new_page()
    assert page.evaluate("navigator.language") == "en-US"
    login = Walk(page, live_site, HOST)
    login.visit("/admin/login/")
    assert not login.problems, _report(login.problems)

    _login(page, live_site, HOST, EDITOR)
    page.screenshot(path=str(artifacts_dir / "admin-dashboard-english-browser.png"))
    walk = Walk(page, live_site, HOST)
    commune, item = seeded["commune"], seeded["news"]
    menu = walk.menu_and_first_items(
        extra=[
            f"/admin/pages/{commune}/",
            f"/admin/pages/{item}/edit/",
            f"/admin/pages/{item}/history/",
            "/admin/account/",
            f"/admin/bang-dien-tu/dieu-khien/{seeded['board']}/",
            f"/admin/bang-dien-tu/pairing/{seeded['board']}/",
        ]
    )
    for expected in ["/admin/pages/", "/admin/hoi-dap/", "/admin/images/", "/admin/documents/", "/admin/huong-dan/"]:
        assert expected in menu, menu
    assert len(walk.seen) >= 25, walk.seen
    assert not walk.problems, _report(walk.problems)

    # The relative times of the questions queue, in Vietnamese.
    page.goto(live_site.url(HOST, "/admin/hoi-dap/"))
    queue = page.locator("main").inner_text()
    # (Django keeps a number and its unit together with a no-break space.)
    for shown in (r"\b\d+\sphút trước", r"\b1\sngày trước", r"\b3\stuần trước"):
        assert re.search(shown, queue), (shown, queue)
    page.screenshot(path=str(artifacts_dir / "admin-queue-english-browser.png"), full_page=True)
    context.close()


def test_province_administrator_sees_only_vietnamese_in_an_english_browser(live_site, browser, seeded):
    context = browser.new_context(**ENGLISH_BROWSER)
    page = context.new_page()
    _login(page, live_site, PROVINCE_HOST, ADMIN)
    walk = Walk(page, live_site, PROVINCE_HOST)
    menu = walk.menu_and_first_items(
        extra=[f"/admin/pages/{seeded['commune']}/", f"/admin/pages/{seeded['news']}/history/", "/admin/account/"]
    )
    for expected in ["/admin/users/", "/admin/groups/", "/admin/sites/", "/admin/workflows/list/", "/admin/huong-dan/"]:
        assert expected in menu, menu
    assert len(walk.seen) >= 40, walk.seen
    assert not walk.problems, _report(walk.problems)

    # The moderator's panel of the dashboard lists the news item the commune's editor submitted.
    page.goto(live_site.url(PROVINCE_HOST, "/admin/"))
    dashboard = page.locator("main").inner_text()
    assert "Đang chờ bạn duyệt" in dashboard and "Tập Sơn ra quân làm đường giao thông nông thôn" in dashboard
    context.close()


def test_account_page_has_no_console_error(live_site, browser, seeded):
    context = browser.new_context(**ENGLISH_BROWSER)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    _login(page, live_site, HOST, EDITOR)
    errors.clear()
    page.goto(live_site.url(HOST, "/admin/account/"))
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", level=1).inner_text() == "Tài khoản"
    assert errors == []
    context.close()


def test_login_page_and_sidebar_carry_the_projects_mark(live_site, browser, seeded, artifacts_dir):
    context = browser.new_context(**ENGLISH_BROWSER)
    page = context.new_page()
    page.goto(live_site.url(HOST, "/admin/login/"))
    assert page.title() == "Đăng nhập - Thông tin cơ sở"
    assert page.get_by_role("heading", level=1).inner_text() == "Đăng nhập – Thông tin cơ sở"
    assert page.locator(".login-logo svg.tincoso-mark").is_visible()
    assert page.locator(".login-logo").inner_text() == "Thông tin cơ sở"
    assert page.locator(".icon-wagtail").count() == 0
    favicon = page.locator("link[rel=icon]").get_attribute("href")
    response = page.request.get(live_site.url("127.0.0.1", favicon))  # *.localhost: the browser's own resolver only
    assert response.status == 200 and response.headers["content-type"].startswith("image/svg+xml")
    page.screenshot(path=str(artifacts_dir / "admin-login.png"))

    _login(page, live_site, HOST, EDITOR)
    assert page.locator(".sidebar-custom-branding svg.tincoso-mark").is_visible()
    assert page.locator(".sidebar-wagtail-branding").count() == 0
    assert "wagtail.org" not in page.content()
    context.close()


def test_guide_opens_from_the_menu_and_fits_a_phone(live_site, browser, phone, seeded, artifacts_dir):
    context = browser.new_context(**ENGLISH_BROWSER)
    page = context.new_page()
    _login(page, live_site, HOST, EDITOR)
    page.get_by_role("button", name="Hướng dẫn").click()
    page.get_by_role("link", name="Hướng dẫn cho biên tập viên xã").click()
    page.wait_for_url(re.compile(r"/admin/huong-dan/bien-tap-vien-xa/$"))
    assert page.locator("article h1").inner_text() == "Hướng dẫn cho biên tập viên xã"
    page.get_by_role("link", name="Hướng dẫn cho người kiểm duyệt").first.click()
    page.wait_for_url(re.compile(r"/admin/huong-dan/kiem-duyet-vien/$"))
    context.close()

    _login(phone, live_site, HOST, EDITOR)
    phone.goto(live_site.url(HOST, "/admin/huong-dan/bien-tap-vien-xa/"))
    article = phone.locator("article.tincoso-guide__body")
    assert article.is_visible()
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= phone.viewport_size["width"]
    phone.screenshot(path=str(artifacts_dir / "admin-guide-phone.png"), full_page=True)
