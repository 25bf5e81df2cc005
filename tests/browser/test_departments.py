"""Departments as sources in a real browser (chromium).

A province moderator adds "Sở Y tế" on "Sở, ngành, phòng ban" from a phone; the department's
section appears in the province's "Thông tin nguồn". The department's editor (account made by
the shell, as "Tạo tài khoản cho sở, ngành" would) signs in, writes a source item for Xã An
Trường in the department's section, saves it as a draft, and cannot open the province's own
section. Published, the item shows "Nguồn: Sở Y tế tỉnh Trà Vinh" on the public page, and the
province's "Thông tin nguồn" on a phone filters by department without scrolling sideways."""

import re

import pytest

from .conftest import PHONE, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "Mat-khau-so-nganh-2026"
HOST = "tra-vinh.localhost"
TITLE = "Tiêm bổ sung vắc xin sởi cho trẻ từ 1 đến 5 tuổi"

SETUP = f"""
from django.contrib.auth import get_user_model
from areas.models import AreaPage, PortalHomePage
from sources.models import SourceIndexPage
province = AreaPage.objects.get(structure="2024", level="province", code="84")
User = get_user_model()
user, _ = User.objects.get_or_create(username="kiemduyet-tinh-sn", defaults={{"first_name": "Lâm Thị", "last_name": "Hồng"}})
user.set_password("{PASSWORD}"); user.save(); user.groups.add(province.moderators_group)
section = SourceIndexPage.objects.child_of(PortalHomePage.objects.child_of(province).get()).get()
print(section.pk)
"""

EDITOR = f"""
from django.contrib.auth import get_user_model
from areas.models import Department
health = Department.objects.get(code="so-y-te")
user, _ = get_user_model().objects.get_or_create(username="bientap-so-y-te", defaults={{"first_name": "Lê Thị", "last_name": "Thu"}})
user.set_password("{PASSWORD}"); user.save(); user.groups.add(health.editors_group)
print(health.section_id, health.editors_group.name)
"""

PUBLISH = f"""
from sources.models import SourceItemPage
page = SourceItemPage.objects.get(title="{TITLE}")
page.get_latest_revision().publish()
page.refresh_from_db()
print(page.department.name if page.department else "-", "|", page.get_full_url())
"""


def test_a_province_adds_a_department_whose_editor_writes_in_its_own_section(live_site, browser, artifacts_dir):
    province_section = live_site.manage("shell", "--no-imports", "-c", SETUP).stdout.strip().splitlines()[-1]
    origin = live_site.url(HOST, "")

    # The province's moderator, on a phone.
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="vi-VN")
    phone = context.new_page()
    sign_in(phone, origin, "kiemduyet-tinh-sn", PASSWORD)
    phone.goto(origin + "/admin/so-nganh/new/")
    phone.locator("#id_name").fill("Sở Y tế")
    phone.locator("#id_code").fill("so-y-te")
    assert phone.locator("#id_area option:checked").inner_text() == "Tỉnh Trà Vinh"
    phone.locator("form#w-editor-form button[type=submit]").first.click()
    phone.wait_for_url(re.compile(r"/admin/so-nganh/$"))
    listing = phone.locator("main").inner_text()
    assert "Sở Y tế" in listing and "Tỉnh Trà Vinh" in listing
    widths = phone.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    phone.screenshot(path=str(artifacts_dir / "departments-list-phone.png"), full_page=False)
    assert widths[0] <= widths[1] + 1
    phone.goto(origin + f"/admin/pages/{province_section}/")
    assert "Sở Y tế" in phone.locator("main").inner_text()
    context.close()

    section, group = (
        live_site.manage("shell", "--no-imports", "-c", EDITOR).stdout.strip().splitlines()[-1].split(" ", 1)
    )
    assert group == "Sở Y tế – Tỉnh Trà Vinh · biên tập"

    # The department's editor: password only (no second factor required), their section only.
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 1000})
    desk = context.new_page()
    sign_in(desk, origin, "bientap-so-y-te", PASSWORD)
    desk.goto(origin + f"/admin/pages/add/sources/sourceitempage/{section}/")
    desk.locator("#id_title").fill(TITLE)
    desk.locator("#id_summary").fill("Trạm y tế tiêm miễn phí; mang sổ tiêm chủng khi đưa trẻ đi tiêm.")
    communes = desk.locator("#id_target_communes")
    communes.locator("[data-grouped-search]").fill("an truong")
    desk.get_by_label("Xã An Trường", exact=True).check()
    desk.get_by_role("button", name="Lưu nháp").click()
    desk.wait_for_url(re.compile(r"/admin/pages/\d+/edit/"))
    desk.screenshot(path=str(artifacts_dir / "department-item-draft.png"), full_page=False)
    # The province's own section: not theirs to write in.
    response = desk.goto(origin + f"/admin/pages/add/sources/sourceitempage/{province_section}/")
    # Wagtail sends them back to the dashboard, which says why.
    assert response.status == 200 and desk.url == origin + "/admin/"
    context.close()

    published = live_site.manage("shell", "--no-imports", "-c", PUBLISH).stdout.strip().splitlines()[-1]
    department, url = (part.strip() for part in published.split("|"))
    assert department == "Sở Y tế" and "/thong-tin-nguon/so-y-te/" in url
    reader = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, locale="vi-VN").new_page()
    reader.goto(url)
    assert "Nguồn: Sở Y tế tỉnh Trà Vinh" in reader.locator("main").inner_text()
    reader.goto(live_site.url(HOST, "/thong-tin-nguon/"))
    reader.select_option("#co-quan", label="Sở Y tế")
    reader.get_by_role("button", name="Lọc").click()
    reader.wait_for_url(re.compile(r"co-quan=\d+"))
    assert TITLE in reader.locator("main").inner_text()
    widths = reader.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    reader.screenshot(path=str(artifacts_dir / "sources-by-department-phone.png"), full_page=True)
    assert widths[0] <= widths[1] + 1
    reader.select_option("#co-quan", value="ubnd")
    reader.get_by_role("button", name="Lọc").click()
    reader.wait_for_url(re.compile(r"co-quan=ubnd"))
    assert TITLE not in reader.locator("main").inner_text()
    reader.context.close()
