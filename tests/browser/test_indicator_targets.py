"""The ministry's numbered indicators in a real browser (chromium) against the real server.

The commune sites of Huyện Càng Long are checked for real (indicators/sitecheck.py: an HTTP GET
of each commune home, reaching runserver by SITE_CHECK_CONNECT_TO with each Site's Host header):
they all answer, so 1.4 (xã with a website that exists and answers) counts Càng Long's 13 xã.
The province's moderator, on a phone, sets the province's own target for 1.4: a value of 120 %
is refused with a Vietnamese message and nothing saved; 70 % is saved. The dashboard of Huyện
Càng Long then shows 1.4 with both targets (the ministry's 100 % of 2025, the province's 70 % of
this year), Đạt / Chưa đạt, and the bars against the targets, without scrolling sideways."""

import datetime
import re

import pytest

from .conftest import PHONE, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "Mat-khau-chi-tieu-2026"
HOST = "tra-vinh.localhost"
YEAR = datetime.date.today().year

SETUP = f"""
from django.contrib.auth import get_user_model
from areas.models import AreaPage
province = AreaPage.objects.get(structure="2024", level="province", code="84")
user, _ = get_user_model().objects.get_or_create(username="kiemduyet-tinh-ct", defaults={{"first_name": "Phạm", "last_name": "Lan"}})
user.set_password("{PASSWORD}"); user.save(); user.groups.add(province.moderators_group)
print(AreaPage.objects.get(structure="2024", level="district", code="844").pk)
"""

CHECK = """
from django.conf import settings
settings.SITE_CHECK_CONNECT_TO = "127.0.0.1:{port}"
from areas.models import AreaPage, CommuneHomePage
from indicators.sitecheck import check_sites
district = AreaPage.objects.get(structure="2024", level="district", code="844")
checks = check_sites(CommuneHomePage.objects.filter(path__startswith=district.path))
print(sum(c.ok for c in checks), len(checks), sorted({{c.status_code for c in checks}}))
"""


def test_targets_and_real_site_checks_on_the_dashboard(live_site, browser, artifacts_dir):
    district = live_site.manage("shell", "--no-imports", "-c", SETUP).stdout.strip().splitlines()[-1]
    ok, total, statuses = live_site.manage(
        "shell", "--no-imports", "-c", CHECK.format(port=live_site.port)
    ).stdout.split(" ", 2)
    assert (ok, total, statuses.strip()) == ("14", "14", "[200]")  # every commune home of Càng Long answers
    origin = live_site.url(HOST, "")

    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="vi-VN")
    phone = context.new_page()
    sign_in(phone, origin, "kiemduyet-tinh-ct", PASSWORD)
    phone.goto(origin + "/admin/chi-tieu-ke-hoach/new/")
    phone.select_option("#id_code", "1.4")
    phone.fill("#id_year", str(YEAR))
    phone.fill("#id_value", "120")
    phone.select_option("#id_comparison", "gt")
    phone.locator("form#w-editor-form button[type=submit]").first.click()
    phone.wait_for_load_state()
    assert "Chỉ tiêu là một tỷ lệ phần trăm từ 0 đến 100." in phone.locator("main").inner_text()
    phone.fill("#id_value", "70")
    phone.locator("form#w-editor-form button[type=submit]").first.click()
    phone.wait_for_url(re.compile(r"/admin/chi-tieu-ke-hoach/$"))
    listing = phone.locator("main").inner_text()
    assert "> 70 %" in listing and "Tỉnh Trà Vinh" in listing and "Toàn quốc" in listing

    phone.goto(origin + f"/admin/chi-tieu-thong-tin-co-so/?don_vi={district}")
    row = phone.locator('tr[data-indicator="1.4"]')
    cells = [text.strip() for text in row.locator("th, td").all_inner_texts()]
    assert cells[2:5] == ["13", "13", "100,0%"]  # every xã of Càng Long answers
    assert "Đạt" in cells[5] and cells[6].startswith(f"> 70 % (năm {YEAR})") and cells[6].endswith("Đạt")
    assert phone.locator("svg.indicator-target-chart g.target-bar").count() >= 10
    widths = phone.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    phone.locator("svg.indicator-target-chart").scroll_into_view_if_needed()
    phone.screenshot(path=str(artifacts_dir / "indicator-targets-phone.png"), full_page=False)
    assert widths[0] <= widths[1] + 1
    context.close()
