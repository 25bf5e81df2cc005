"""Search as a citizen types it, in a real browser on a phone (issue 14): on a commune site
"thong bao tiem chung" finds the vaccination schedule although no title says "thông báo"; a
district's source item is found by its exact title on the district portal and on the commune
it is pushed to (not on another); a search with nothing in the commune offers the district,
with its count, and the link shows the results there."""

import json

import pytest

pytestmark = pytest.mark.browser

PORTAL = "cau-ke.tra-vinh.localhost"
COMMUNE = "hoa-tan.cau-ke.tra-vinh.localhost"  # Xã Hoà Tân, huyện Cầu Kè
OTHER = "phong-phu.cau-ke.tra-vinh.localhost"  # Xã Phong Phú, the same district
ITEM = "Thông báo tạm ngừng cung cấp điện tuyến 22kV Cầu Kè – Hoà Tân"
SCHEDULE = "Lịch tiêm chủng mở rộng tháng 12 cho trẻ dưới 5 tuổi"
ELSEWHERE = "Hội thi đờn ca tài tử xã Phong Phú"

SETUP = f"""
import json
from wagtail.models import Site
from tests.factories import announcement, news, push
def home(host):
    return Site.objects.get(hostname=host).root_page.specific
commune, other = home({COMMUNE!r}), home({OTHER!r})
announcement(commune, {SCHEDULE!r}, summary="Trạm y tế xã tiêm vắc xin sởi, bại liệt vào thứ Bảy.")
news(commune, "Ra quân tiêm chủng cho trẻ em ấp Kinh Xáng")
news(other, {ELSEWHERE!r}, summary="Mười đội đờn ca tài tử tham gia.")
push(commune.area, {ITEM!r}, communes=[commune], summary="Điện lực Cầu Kè thay dây, từ 7 giờ đến 16 giờ.")
print(json.dumps({{"ok": True}}))
"""


@pytest.fixture(scope="module")
def content(live_site):
    out = live_site.manage("shell", "--no-imports", "-c", SETUP).stdout.strip().splitlines()[-1]
    assert json.loads(out)["ok"]


def _search(page, live_site, host, query):
    page.goto(live_site.url(host, "/tim-kiem/"))
    page.fill("#search-q", query)
    page.press("#search-q", "Enter")
    page.wait_for_selector(".search-summary")
    return page


def _titles(page):
    return [t.strip() for t in page.locator(".search-result h2 a").all_inner_texts()]


def _fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_citizen_finds_the_vaccination_schedule_typed_without_marks(live_site, phone, content, artifacts_dir):
    _search(phone, live_site, COMMUNE, "thong bao tiem chung")
    titles = _titles(phone)
    assert titles[0] == SCHEDULE and "Ra quân tiêm chủng cho trẻ em ấp Kinh Xáng" in titles
    assert "Tìm thấy 2 kết quả" in phone.locator(".search-summary").inner_text()
    assert "«thong bao» được hiểu là loại nội dung cần tìm" in phone.locator(".search-types").inner_text()
    assert phone.locator(".search-result").first.locator(".search-kind").inner_text() == "Thông báo"
    assert _fits(phone)
    phone.screenshot(path=str(artifacts_dir / "search-type-word-phone.png"), full_page=True)


def test_a_district_item_is_found_by_its_title_where_it_appears(live_site, phone, content, artifacts_dir):
    for host in (PORTAL, COMMUNE):
        _search(phone, live_site, host, ITEM)
        assert _titles(phone)[0] == ITEM, host
        href = phone.locator(".search-result h2 a").first.evaluate("a => a.href")
        assert href.startswith(f"http://{PORTAL}:{live_site.port}/")  # the item's page is the portal's
        assert phone.locator(".search-result .search-kind").first.inner_text() == "Thông tin nguồn"
    phone.screenshot(path=str(artifacts_dir / "search-pushed-item-commune-phone.png"), full_page=True)
    phone.locator(".search-result h2 a").first.click()
    phone.wait_for_load_state()
    assert phone.locator("h1").first.inner_text().strip() == ITEM
    # Not pushed to Phong Phú: its own site does not show it, its search does not find it.
    _search(phone, live_site, OTHER, ITEM)
    assert ITEM not in _titles(phone)


def test_an_empty_commune_offers_its_district_with_the_count(live_site, phone, content, artifacts_dir):
    _search(phone, live_site, COMMUNE, "don ca tai tu")
    offer = phone.locator(".search-wider")
    assert "Không tìm thấy trong xã Hoà Tân; có 1 kết quả trong huyện Cầu Kè." in offer.inner_text()
    assert _titles(phone) == [] and _fits(phone)
    phone.screenshot(path=str(artifacts_dir / "search-wider-offer-phone.png"), full_page=True)
    offer.get_by_role("link", name="Xem 1 kết quả trong huyện Cầu Kè").click()
    phone.wait_for_selector(".search-result")
    assert _titles(phone) == [ELSEWHERE]
    assert phone.locator("#search-scope option:checked").inner_text() == "Cả huyện Cầu Kè"
    assert phone.locator(".search-wider").count() == 0
