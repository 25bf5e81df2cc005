"""No request leaves the installation and no page breaks its Content-Security-Policy, in Debian's
chromium (issue: "the admin sends officials' e-mail hashes to Gravatar on every page").

Every request a page makes is recorded by host (`request` events of the whole browser context,
frames included), and every CSP violation by a listener of `securitypolicyviolation` that an init
script puts into every document before its own scripts run. On the public sites (province,
district and commune homes, every section, a news item, an announcement whose "Nghe thông báo"
audio is loaded, a legal document, the question form sent with its proof of work and the tracking
page of the question, search results, the site map, a source item and an alert) and in the admin
as a province administrator with an e-mail address (the dashboard, every item of the menu and the
first item each lists, the explorer, the editors of a news item and of a legal document, the
boards' control, pairing and preview, the station's programme, live and log screens, the
questions' receipt), the only hosts are the installation's own, and no violation is reported.
The pages still work under their policies: the question is sent, the rich text editor and the
date picker of the editor run, its live preview frames the page (the public policy, framed by the
admin), an image uploads, the programme's ↑ button and the receipt's print button act. And
the policies bite: an inline script on a public page and an event handler attribute in the admin
are refused and reported.

Cầu Ngang is seeded as in tests/browser/test_public_console.py (seed_demo is idempotent).
"""

import json
import re
import time
from urllib.parse import urlsplit

import pytest
from PIL import Image

from .conftest import sign_in
from .test_public_console import DISTRICT_CODE, _public_pages

pytestmark = pytest.mark.browser

PROVINCE_HOST = "tra-vinh.localhost"
ADMIN = "quantri-csp"
PASSWORD = "Mat-khau-csp-2026"

# Installed before any script of every document (frames included): each violation is handed at
# once to the test (the binding), so none is lost when the page navigates on.
RECORD_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__reportViolation(`${e.effectiveDirective} refused ${e.blockedURI || "?"} at ${e.sourceFile}:${e.lineNumber}`);
}, true);
"""

SETUP = """
import datetime, json
from django.utils import timezone
from django.contrib.auth import get_user_model
from areas.models import AreaPage, CommuneHomePage
from boards.models import Board
from boards.publishing import rebuild
from cms_pages.models import AnnouncementPage, LegalDocumentPage, NewsPage
from inquiries.models import Inquiry
from tests.factories import announcement

district = AreaPage.objects.get(level="district", structure="2024", code="@DISTRICT@")
home = CommuneHomePage.objects.child_of(district).order_by("path").first()
admin, _ = get_user_model().objects.get_or_create(username="@ADMIN@")
admin.email = "quantri.csp@cau-ngang.tra-vinh.gov.vn"  # an address Gravatar would be asked about
admin.is_superuser = admin.is_staff = True
admin.set_password("@PASSWORD@")
admin.save()
led, _ = Board.objects.get_or_create(owner=home, name="Bảng LED trước chợ (CSP)", defaults={"width": 384, "height": 192, "kind": "led"})
rebuild(led)
# The programme's slot, on the second commune: the first has an emergency alert, which takes every slot.
second = CommuneHomePage.objects.child_of(district).order_by("path")[1]
cluster, _ = Board.objects.get_or_create(owner=second, name="Cụm loa ấp Mỹ Cẩm (CSP)", defaults={"kind": "audio", "broadcast_times": "12:00"})
for title in ("Thông báo lịch thu gom rác tháng này", "Thông báo tiêm phòng cúm gia cầm đợt hai"):
    if not AnnouncementPage.objects.descendant_of(second).filter(title=title).exists():
        announcement(second, title)
news = NewsPage.objects.live().descendant_of(home).order_by("path").first()
print(json.dumps({
    "host": home.get_site().hostname,
    "commune": home.pk,
    "news": news.pk,
    "news_title": news.title,
    "document": LegalDocumentPage.objects.live().descendant_of(home).order_by("path").first().pk,
    "inquiry": Inquiry.objects.filter(commune=home).order_by("pk").first().pk,
    "led": led.pk,
    "cluster": cluster.pk,
    "second": second.pk,
    "tomorrow": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),  # the slot is still to come
}))
"""


@pytest.fixture(scope="module")
def cau_ngang(live_site):
    live_site.manage("seed_demo", "--district", DISTRICT_CODE, "--communes", "4", "--no-progress")
    code = "from tests.browser.test_public_console import seed_district; seed_district()"
    result = live_site.manage("shell", "-c", code, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def admin_seed(live_site, cau_ngang):
    code = SETUP.replace("@DISTRICT@", DISTRICT_CODE).replace("@ADMIN@", ADMIN).replace("@PASSWORD@", PASSWORD)
    out = live_site.manage("shell", "--no-imports", "-c", code).stdout.strip().splitlines()[-1]
    return json.loads(out)


class Watch:
    """A browser context whose requests (by host) and CSP violations (by page) are recorded."""

    def __init__(self, browser, live_site, **options):
        self.live_site = live_site
        self.context = browser.new_context(locale="vi-VN", **options)
        self.requests = {}  # host → one URL asked of it
        self.violations = []  # (page URL, what its policy refused)
        self.context.expose_binding("__reportViolation", self._violation)
        self.context.add_init_script(RECORD_VIOLATIONS)
        self.context.on("request", self._request)
        self.page = self.context.new_page()

    def _violation(self, source, text):
        self.violations.append((source["frame"].url, text))

    def _request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss"):
            self.requests.setdefault(parts.hostname, request.url)

    def open(self, host, path):
        response = self.page.goto(self.live_site.url(host, path))
        self.page.wait_for_load_state("networkidle")
        return response

    def close(self):
        self.context.close()


def _policy(response):
    """The response's Content-Security-Policy as {directive: [sources]}."""
    header = response.header_value("content-security-policy") or ""
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


def _report(watch):
    return "\n".join(f"{url}: {text}" for url, text in watch.violations)


def _assert_refused(watch, script, expected_directive):
    """`script` tries something the policy forbids: it must not run, and must be reported."""
    before = len(watch.violations)
    ran = watch.page.evaluate(script)
    deadline = time.time() + 10
    while len(watch.violations) == before and time.time() < deadline:
        watch.page.wait_for_timeout(100)
    refused = [text for _url, text in watch.violations[before:]]
    del watch.violations[before:]
    assert ran is not True and watch.page.evaluate("window.__ran === undefined")
    assert any(text.startswith(expected_directive) for text in refused), refused


def test_public_pages_keep_their_policy_and_ask_no_other_host(live_site, browser, cau_ngang):
    commune, portal = cau_ngang["communes"][0], cau_ngang["portal"]
    pages = [(PROVINCE_HOST, "/"), *_public_pages(cau_ngang)]
    watch = Watch(browser, live_site, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        for host, path in pages:
            response = watch.open(host, path)
            assert response.status == 200, (host, path, response.status)
            policy = _policy(response)
            assert policy["script-src"] == ["'self'"], (path, policy)  # no 'unsafe-inline'
            assert policy["style-src"] == ["'self'"] and policy["object-src"] == ["'none'"], (path, policy)
            assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"], (path, policy)

        # "Nghe thông báo": the announcement's audio loads under media-src.
        watch.open(commune["host"], commune["announcement"])
        duration = watch.page.evaluate("""() => new Promise((resolve, reject) => {
            const a = document.querySelector('audio.listen-player');
            a.addEventListener('loadedmetadata', () => resolve(a.duration), {once: true});
            a.addEventListener('error', () => reject(new Error('audio error ' + (a.error && a.error.code))), {once: true});
            a.preload = 'auto';
            a.load();
        })""")
        assert duration > 1

        # A question is sent: the proof of work runs from its static script, the form posts.
        watch.open(commune["host"], commune["questions"] + "gui/")
        page = watch.page
        page.get_by_label("Lĩnh vực").select_option("dat_dai")
        page.get_by_label("Tiêu đề").fill("Hỏi về đăng ký biến động đất đai sau khi thừa kế")
        page.get_by_label("Nội dung").fill("Gia đình tôi được thừa kế đất của cha mẹ, cần làm thủ tục gì để sang tên?")
        page.get_by_label("Họ và tên").fill("Thạch Thị Sa Ly")
        page.get_by_label("Số điện thoại").fill("0912 345 678")
        page.get_by_label(re.compile("Tôi đồng ý")).check()
        page.wait_for_function(
            "() => document.querySelector('[data-pow-status]').textContent.includes('Đã xác minh')", timeout=60_000
        )
        page.get_by_role("button", name="Gửi").click()
        page.wait_for_url(re.compile(r"/hoi-dap/da-gui/[0-9A-Z]{10}/$"))
        page.get_by_role("link", name="Xem tình trạng xử lý").click()
        page.wait_for_load_state("networkidle")
        assert page.locator(".status-label").inner_text() == "Đã tiếp nhận"

        # The policy bites: a script written into the page is refused, and reported.
        _assert_refused(
            watch,
            "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true';"
            " document.body.append(s); return window.__ran; }",
            "script-src",
        )
    finally:
        watch.close()
    assert not watch.violations, _report(watch)
    own = {PROVINCE_HOST, commune["host"], portal["host"], cau_ngang["communes"][2]["host"]}
    assert set(watch.requests) <= own, {h: u for h, u in watch.requests.items() if h not in own}


def test_admin_keeps_its_policy_and_asks_no_other_host(live_site, browser, admin_seed, tmp_path):
    host = admin_seed["host"]
    watch = Watch(browser, live_site, viewport={"width": 1280, "height": 900})
    page = watch.page
    tomorrow = admin_seed["tomorrow"]
    try:
        sign_in(page, live_site.url(host, ""), ADMIN, PASSWORD)  # the second factor too (signin/)
        page.wait_for_load_state("networkidle")
        # No avatar from Gravatar, though the administrator has an e-mail address.
        avatar = page.locator(".avatar img").first.get_attribute("src")
        assert avatar.startswith("/static/"), avatar

        # Every item of the menu and the first item each lists, and the project's own screens.
        props = json.loads(page.locator("#wagtail-sidebar-props").text_content())
        menu = re.findall(r'"url": "(/admin/[^"]*)"', json.dumps(props))
        extra = [
            f"/admin/pages/{admin_seed['commune']}/",
            f"/admin/pages/{admin_seed['news']}/edit/",
            f"/admin/pages/{admin_seed['document']}/edit/",
            f"/admin/bang-dien-tu/dieu-khien/{admin_seed['led']}/",
            f"/admin/bang-dien-tu/pairing/{admin_seed['led']}/",
            f"/admin/bang-dien-tu/preview/{admin_seed['led']}/",
            f"/admin/dai-truyen-thanh/chuong-trinh/?xa={admin_seed['second']}&ngay={tomorrow}",
            f"/admin/dai-truyen-thanh/nhat-ky/?cum={admin_seed['cluster']}",
            f"/admin/hoi-dap/edit/{admin_seed['inquiry']}/",
            f"/admin/hoi-dap/receipt/{admin_seed['inquiry']}/",
            "/admin/account/",
        ]
        for must in [
            "/admin/pages/",
            "/admin/images/",
            "/admin/documents/",
            "/admin/hoi-dap/",
            "/admin/thong-tin-nguon/",
        ]:
            assert must in menu, menu
        for must in ["/admin/bang-dien-tu-giam-sat/", "/admin/dai-truyen-thanh/phat-truc-tiep/"]:
            assert must in menu, menu
        assert any(url.startswith("/admin/chi-tieu") for url in menu), menu
        seen = set()
        for url in dict.fromkeys(menu + extra):
            response = watch.open(host, url)
            assert response.status == 200, (url, response.status)
            policy = _policy(response)
            assert policy["script-src-attr"] == ["'none'"] and policy["object-src"] == ["'none'"], (url, policy)
            assert policy["frame-ancestors"] == ["'self'"], (url, policy)
            seen.add(url)
            if url in menu:
                links = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
                first = next((link for link in links if re.match(r"^/admin/.*/(edit|inspect)/", link or "")), None)
                if first and first not in seen:
                    assert watch.open(host, first).status == 200, first
                    seen.add(first)
        assert len(seen) >= 40, sorted(seen)

        # The live page may reach the ingest's WebSocket, and only that page does.
        response = watch.open(host, "/admin/dai-truyen-thanh/phat-truc-tiep/")
        assert f"ws://{host}:8765/" in _policy(response)["connect-src"]
        assert _policy(watch.open(host, "/admin/"))["connect-src"] == ["'self'"]

        # The page editor works: its date picker (an inline script of Wagtail's) and rich text editor.
        watch.open(host, f"/admin/pages/{admin_seed['news']}/edit/")
        page.locator("#id_date").click()
        page.locator(".xdsoft_datetimepicker:visible").wait_for()
        page.keyboard.press("Escape")
        field = page.locator("[data-field-input]:has([contenteditable=true])").first
        field.locator("[contenteditable=true]").first.click()
        page.keyboard.press("End")
        page.keyboard.type(" Bổ sung: lịch làm việc.")
        page.wait_for_function(  # Draftail writes its hidden input a moment after the keystrokes
            "field => [...field.querySelectorAll('input')].some(i => i.value.includes('Bổ sung: lịch làm việc.'))",
            arg=field.element_handle(),
        )
        page.get_by_role("button", name=re.compile(r"^Lưu nháp")).first.click()
        page.wait_for_load_state("networkidle")
        assert page.locator(".messages .success").count() == 1
        # Its live preview: the page framed under /admin/ (frame-ancestors 'self').
        page.locator("[data-side-panel-toggle=preview]").click()
        preview = page.frame_locator("#w-preview-iframe").locator("main h1")
        deadline = time.time() + 30
        while preview.count() == 0 and time.time() < deadline:
            page.wait_for_timeout(200)  # Wagtail swaps in a new frame when the preview is ready
        assert preview.text_content().strip() == admin_seed["news_title"]

        # An image uploaded (its preview drawn from the file in the browser).
        watch.open(host, "/admin/images/multiple/add/")
        picture = tmp_path / "cho-phien.png"
        Image.new("RGB", (320, 200), (30, 120, 60)).save(picture)
        page.locator("#fileupload").set_input_files(str(picture))
        page.locator("#upload-list li.upload-success").wait_for()

        # The programme's ↑ button says which item it moves (data-station-key, programme.js).
        watch.open(host, f"/admin/dai-truyen-thanh/chuong-trinh/?xa={admin_seed['second']}&ngay={tomorrow}")
        slot = page.locator(".station-slot", has_text="Khung 12:00")
        titles = slot.locator(".station-items li strong")
        assert titles.count() >= 2, slot.inner_text()
        second = titles.nth(1).inner_text()
        with page.expect_navigation():
            slot.locator(".station-items li").nth(1).get_by_role("button", name=f"Lên trên: {second}").click()
        page.wait_for_load_state("networkidle")
        moved = page.locator(".station-slot", has_text="Khung 12:00").locator(".station-items li strong")
        assert moved.nth(0).inner_text() == second

        # The receipt's print button (print-button.js, no onclick).
        watch.open(host, f"/admin/hoi-dap/receipt/{admin_seed['inquiry']}/print/")
        page.evaluate("window.print = () => { window.__printed = true; }")
        page.get_by_role("button", name="In phiếu").click()
        assert page.evaluate("window.__printed") is True

        # The admin's policy bites too: an event handler attribute is refused, and reported.
        watch.open(host, "/admin/")
        _assert_refused(
            watch,
            "() => { const i = document.createElement('img'); i.setAttribute('onerror', 'window.__ran = true');"
            " i.src = '/static/nothing-here.png'; document.body.append(i); return window.__ran; }",
            "script-src-attr",
        )
    finally:
        watch.close()
    assert not watch.violations, _report(watch)
    assert set(watch.requests) == {host}, watch.requests
