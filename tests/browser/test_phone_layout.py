"""The public theme on a 390 × 844 phone, in both themes: a compact header with the sections
behind a "Menu" button, a one-line emergency banner, legal documents as cards without sideways
scrolling, and the favicon. On Cầu Ngang's seeded sites (tests/browser/test_public_console.py):
the first commune (default theme) and the third (high contrast) have an alert in force, the
second (default) and the fourth (high contrast) have none. Screenshots go to tests/artifacts/.
"""

import re

import pytest

from tests.browser.test_public_console import ALERT_INSTRUCTION, ALERT_TITLE, cau_ngang, fetch  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
THEMES = {"default": (0, 1), "high_contrast": (2, 3)}  # commune indexes: (with alert, without)


@pytest.fixture
def phone390(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="vi-VN")
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    yield context.new_page()
    context.close()


def _open(page, live_site, site, path="/"):
    response = page.goto(live_site.url(site["host"], path))
    assert response.status == 200, (site["host"], path, response.status)
    page.wait_for_load_state("load")


def _bottom(page, selector):
    return page.evaluate(f"document.querySelector({selector!r}).getBoundingClientRect().bottom")


def _lines(locator):
    """How many lines of text an element takes."""
    return locator.evaluate(
        "e => Math.round(e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight))"
    )


@pytest.mark.parametrize("theme", list(THEMES))
def test_header_takes_at_most_15_percent_of_a_phone(live_site, cau_ngang, phone390, artifacts_dir, theme):  # noqa: F811
    site = cau_ngang["communes"][THEMES[theme][1]]
    _open(phone390, live_site, site)
    assert f"/static/{theme}/css/site.css" in phone390.evaluate("[...document.styleSheets].map(s => s.href).join()")
    assert phone390.get_by_role("alert").count() == 0
    phone390.screenshot(path=str(artifacts_dir / f"phone-{theme}-header.png"))
    # The site's name in full on one or two lines, beside a small emblem and the Menu button.
    name = phone390.locator(".brand-name")
    assert name.is_visible() and name.inner_text() == site["site_title"]
    assert _lines(name) <= 2
    assert phone390.get_by_role("button", name="Menu").is_visible()
    header = _bottom(phone390, ".site-header")
    assert header <= 0.15 * PHONE["height"], f"header {header:.0f} px of {PHONE['height']}"


@pytest.mark.parametrize("theme", list(THEMES))
def test_alert_banner_is_one_line_per_alert_on_a_phone(live_site, cau_ngang, phone390, artifacts_dir, theme):  # noqa: F811
    site = cau_ngang["communes"][THEMES[theme][0]]
    _open(phone390, live_site, site)
    banner = phone390.get_by_role("alert")
    assert banner.get_by_role("heading", name="Cảnh báo khẩn cấp").is_visible()
    phone390.screenshot(path=str(artifacts_dir / f"phone-{theme}-alert-banner.png"))
    # Banner and header together: at most 30 % of the screen.
    bottom = _bottom(phone390, ".site-header")
    assert bottom <= 0.30 * PHONE["height"], f"banner + header {bottom:.0f} px of {PHONE['height']}"
    # The headline on one line, cut to the width; the instruction waits on the alert's page.
    headline = banner.locator(".emergency-headline")
    assert headline.inner_text() == ALERT_TITLE
    assert _lines(headline) == 1
    assert headline.evaluate("e => e.scrollWidth > e.clientWidth")  # the long headline is cut, not wrapped
    instruction = banner.locator(".emergency-instruction")
    assert instruction.count() == 1 and not instruction.is_visible()
    banner.get_by_role("link", name=re.compile("^Xem chi tiết")).click()
    phone390.wait_for_load_state("load")
    assert phone390.url == live_site.url(cau_ngang["portal"]["host"], cau_ngang["alert"])
    assert phone390.locator("h1").inner_text() == ALERT_TITLE
    assert phone390.get_by_text(ALERT_INSTRUCTION).first.is_visible()


@pytest.mark.parametrize("theme", list(THEMES))
def test_menu_button_opens_the_sections_and_the_links_up(live_site, cau_ngang, phone390, artifacts_dir, theme):  # noqa: F811
    site = cau_ngang["communes"][THEMES[theme][1]]
    _open(phone390, live_site, site)
    menu = phone390.get_by_role("button", name="Menu")
    sections = phone390.get_by_role("navigation", name="Chuyên mục")
    up = phone390.get_by_role("navigation", name="Cổng thông tin cấp trên")
    search = phone390.get_by_role("searchbox", name="Tìm kiếm trên trang")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not sections.is_visible() and not up.is_visible() and not search.is_visible()

    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    for name in ("Trang chủ", "Tin tức", "Thông báo", "Văn bản", "Giới thiệu", "Liên hệ", "Hỏi đáp"):
        assert sections.get_by_role("link", name=name, exact=True).is_visible(), name
    assert up.get_by_role("link", name=cau_ngang["portal"]["title"]).is_visible()
    assert up.get_by_role("link", name="Cổng thông tin điện tử tỉnh Trà Vinh").is_visible()
    assert search.is_visible()
    assert phone390.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    phone390.screenshot(path=str(artifacts_dir / f"phone-{theme}-menu-open.png"))

    # Escape closes it and gives the focus back to the button.
    phone390.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false" and not sections.is_visible()
    assert phone390.evaluate("document.activeElement.className") == "menu-toggle"

    # A section link leads to the section, marked as the current one.
    menu.click()
    sections.get_by_role("link", name="Văn bản", exact=True).click()
    phone390.wait_for_url(live_site.url(site["host"], "/van-ban/"))
    menu.click()
    assert sections.get_by_role("link", name="Văn bản", exact=True).get_attribute("aria-current") == "page"


def test_without_script_and_on_a_desktop_nothing_is_hidden(live_site, cau_ngang, browser, desktop):  # noqa: F811
    site = cau_ngang["communes"][1]
    _open(desktop, live_site, site)
    assert not desktop.get_by_role("button", name="Menu").is_visible()
    assert desktop.get_by_role("navigation", name="Chuyên mục").get_by_role("link", name="Văn bản").is_visible()
    assert desktop.get_by_role("link", name=cau_ngang["portal"]["title"]).is_visible()
    assert desktop.get_by_role("searchbox", name="Tìm kiếm trên trang").is_visible()

    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="vi-VN")
    try:
        page = context.new_page()
        _open(page, live_site, site)
        # No script: no Menu button, and the menu simply stays open.
        assert not page.get_by_role("button", name="Menu").is_visible()
        assert page.get_by_role("navigation", name="Chuyên mục").get_by_role("link", name="Văn bản").is_visible()
        assert page.get_by_role("link", name=cau_ngang["portal"]["title"]).is_visible()
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


@pytest.mark.parametrize("theme", list(THEMES))
def test_documents_are_cards_on_a_phone_and_a_table_on_a_desktop(
    live_site,
    cau_ngang,  # noqa: F811
    phone390,
    desktop,
    artifacts_dir,
    theme,
):
    site = cau_ngang["communes"][THEMES[theme][1]]
    _open(phone390, live_site, site, "/van-ban/")
    cards = phone390.locator(".doc-card")
    count = cards.count()
    assert count >= 5  # the demo's documents of the commune
    assert not phone390.locator("table.documents").is_visible()
    assert phone390.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    phone390.screenshot(path=str(artifacts_dir / f"phone-{theme}-documents.png"), full_page=True)
    for i in range(count):
        card = cards.nth(i)
        text = card.inner_text()
        assert re.search(r"số \d+/\S+", text), text  # number and symbol
        assert re.search(r"Ngày ban hành:\s*\d\d/\d\d/\d{4}", text), text
        assert re.search(r"Còn hiệu lực|Hết hiệu lực|Bị thay thế", text), text
        assert card.locator(".doc-card-type").inner_text().strip(), text
        title = card.get_by_role("heading", level=2)
        assert title.is_visible() and title.get_by_role("link").is_visible()
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # The plan comes with its file: the link on its card downloads the PDF.
    download = phone390.get_by_role("link", name=re.compile(r"^Tải văn bản \(PDF\)")).first
    assert download.is_visible()
    response = fetch(phone390, download.get_attribute("href"))
    assert response["status"] == 200 and bytes(response["head"]).startswith(b"%PDF")
    # The card opens the document.
    first_title = cards.first.get_by_role("heading", level=2).inner_text()
    cards.first.get_by_role("link", name=first_title).click()
    phone390.wait_for_load_state("load")
    assert re.search(r"/van-ban/[^/]+/$", phone390.url)

    _open(desktop, live_site, site, "/van-ban/")
    assert desktop.locator("table.documents").is_visible()
    assert desktop.locator("table.documents tbody tr").count() == count
    assert not desktop.locator(".doc-cards").is_visible()
    assert desktop.evaluate("document.scrollingElement.scrollWidth") <= DESKTOP["width"]


def test_favicon_answers(live_site, cau_ngang, phone390):  # noqa: F811
    site = cau_ngang["communes"][1]
    _open(phone390, live_site, site)
    # /favicon.ico on any host: the icon, not a 404.
    response = fetch(phone390, "/favicon.ico")
    assert response["status"] == 200
    assert response["type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert bytes(response["head"][:4]) == b"\x00\x00\x01\x00"
    # And the icons every page links.
    icons = phone390.evaluate(
        "[...document.querySelectorAll('link[rel~=icon], link[rel=apple-touch-icon]')].map(l => [l.href, l.type])"
    )
    assert len(icons) == 3
    for href, kind in icons:
        response = fetch(phone390, href)
        assert response["status"] == 200, href
        assert response["type"] == (kind or "image/png"), href
