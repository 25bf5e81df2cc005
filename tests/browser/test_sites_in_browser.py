"""A citizen on a phone goes from the province portal to a district portal to a commune
site, each on its own hostname, in a real browser."""

import pytest

pytestmark = pytest.mark.browser


def test_province_to_district_to_commune_on_a_phone(live_site, phone, artifacts_dir):
    phone.goto(live_site.url("tra-vinh.localhost"))
    assert phone.locator("h1").inner_text() == "Cổng thông tin điện tử tỉnh Trà Vinh"

    phone.get_by_role("link", name="Huyện Càng Long", exact=True).click()
    phone.wait_for_load_state()
    assert phone.url == live_site.url("cang-long.tra-vinh.localhost")
    assert phone.locator("h1").inner_text() == "Cổng thông tin điện tử huyện Càng Long"

    phone.get_by_role("link", name="Xã An Trường", exact=True).click()
    phone.wait_for_load_state()
    assert phone.url == live_site.url("an-truong.cang-long.tra-vinh.localhost")
    assert phone.locator("h1").inner_text() == "Trang thông tin điện tử xã An Trường"
    phone.screenshot(path=str(artifacts_dir / "commune-home-phone.png"), full_page=True)

    # Fits a 360 px phone without sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # The section links stay on the commune's own host (behind the "Menu" button on a phone).
    phone.get_by_role("button", name="Menu").click()
    phone.get_by_role("navigation", name="Chuyên mục").get_by_role("link", name="Văn bản", exact=True).click()
    phone.wait_for_load_state()
    assert phone.url == live_site.url("an-truong.cang-long.tra-vinh.localhost", "/van-ban/")

    # And the header leads back up to the district portal.
    phone.get_by_role("button", name="Menu").click()
    phone.get_by_role("link", name="Trang chủ", exact=True).click()
    phone.wait_for_load_state()
    phone.get_by_role("button", name="Menu").click()
    phone.get_by_role("link", name="Cổng thông tin điện tử huyện Càng Long", exact=True).click()
    phone.wait_for_load_state()
    assert phone.url == live_site.url("cang-long.tra-vinh.localhost")


def test_skip_link_is_first_on_the_keyboard(live_site, phone):
    phone.goto(live_site.url("an-truong.cang-long.tra-vinh.localhost"))
    phone.keyboard.press("Tab")
    focused = phone.evaluate("document.activeElement.textContent")
    assert focused == "Chuyển đến nội dung chính"
