"""Directives in a real browser (issue 19): a district officer composes a directive in the admin,
ticks two communes in the grouped chooser and sends it; a commune editor signs in on the
commune's host, finds it in "Văn bản đến" (the menu counts it), acknowledges it and answers with
a PDF; the officer's tracking page then shows one answered, one not, with the file; both pages
fit a phone's width."""

import datetime
import re

import pytest

from .conftest import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "Mat-khau-huyen-2026"
TITLE = "Về việc tuyên truyền phòng, chống bão số 15"
DISTRICT_HOST = "cang-long.tra-vinh.localhost"
COMMUNE_HOST = "an-truong.cang-long.tra-vinh.localhost"

SETUP = f"""
from django.contrib.auth import get_user_model
from areas.models import AreaPage, CommuneHomePage
district = AreaPage.objects.get(structure="2024", level="district", code="844")
commune = CommuneHomePage.objects.get(structure="2024", short_name="An Trường")
other = CommuneHomePage.objects.filter(path__startswith=district.path).exclude(pk=commune.pk).order_by("path").first()
User = get_user_model()
officer, _ = User.objects.get_or_create(username="cb-cang-long", defaults={{"first_name": "Nguyễn Văn", "last_name": "Bình", "email": "binh@canglong.gov.vn"}})
officer.set_password("{PASSWORD}"); officer.save(); officer.groups.add(district.editors_group)
editor, _ = User.objects.get_or_create(username="bt-an-truong", defaults={{"first_name": "Trần Thị", "last_name": "Mai", "email": "mai@antruong.gov.vn"}})
editor.set_password("{PASSWORD}"); editor.save(); editor.groups.add(commune.editors_group)
print(other.title)
"""


def test_a_district_sends_a_directive_and_a_commune_acknowledges_and_answers_with_a_file(
    live_site, browser, artifacts_dir, tmp_path
):
    other = live_site.manage("shell", "--no-imports", "-c", SETUP).stdout.strip().splitlines()[-1]
    deadline = (datetime.datetime.now() + datetime.timedelta(days=7)).strftime("%Y-%m-%dT17:00")

    office = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 1000}).new_page()
    sign_in(office, live_site.url(DISTRICT_HOST, ""), "cb-cang-long", PASSWORD)
    office.goto(live_site.url(DISTRICT_HOST, "/admin/van-ban-chi-dao/soan/"))
    office.locator("#id_number").fill("215/UBND-VHTT")
    office.locator("#id_title").fill(TITLE)
    office.locator("#id_body").fill("Đề nghị UBND các xã phát thông báo trên loa ba lần mỗi ngày đến khi bão tan.")
    office.locator("#id_deadline").fill(deadline)
    communes = office.locator("#id_communes")
    communes.get_by_label("Xã An Trường", exact=True).check()
    communes.get_by_label(other, exact=True).check()
    office.screenshot(path=str(artifacts_dir / "directive-compose.png"), full_page=True)
    office.get_by_role("button", name="Gửi văn bản").click()
    office.wait_for_url(re.compile(r"/admin/van-ban-chi-dao/\d+/$"))
    assert "0/2" in office.locator("[data-counts]").inner_text()

    desk = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 1000}).new_page()
    sign_in(desk, live_site.url(COMMUNE_HOST, ""), "bt-an-truong", PASSWORD)
    desk.get_by_role("button", name="Văn bản chỉ đạo").click()
    desk.get_by_role("link", name="Văn bản đến (1)").click()
    desk.get_by_role("link", name=re.compile(TITLE)).click()
    assert "Chưa xem" not in desk.locator("#tinh-trang").inner_text()  # opening it records "đã xem"
    desk.get_by_role("button", name="Đã nhận").click()
    desk.wait_for_load_state()
    assert "Đã nhận lúc" in desk.content()
    report = tmp_path / "bao-cao-xa-an-truong.pdf"
    report.write_bytes(b"%PDF-1.4\n% Bao cao\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    desk.locator("#id_answer").fill("Xã đã phát thông báo 3 lần mỗi ngày trên 12 cụm loa.")
    desk.locator("#id_files").set_input_files(str(report))
    desk.get_by_role("button", name="Gửi trả lời").click()
    desk.wait_for_load_state()
    assert "Tình trạng: Đã trả lời" in desk.locator("#tinh-trang").inner_text()
    desk.screenshot(path=str(artifacts_dir / "directive-answered.png"), full_page=True)

    office.reload()
    assert "1/2" in office.locator("[data-counts]").inner_text()
    assert office.locator("svg[aria-label='Tỷ lệ nơi nhận theo tình trạng'] rect").count() == 2  # answered, not seen
    answered = office.locator("tr[data-state=answered]")
    assert answered.count() == 1 and "Xã An Trường" in answered.inner_text()
    assert "bao-cao-xa-an-truong.pdf" in answered.inner_text()
    waiting = office.locator("tr[data-state=new]")
    assert waiting.count() == 1 and other in waiting.inner_text()
    office.screenshot(path=str(artifacts_dir / "directive-tracking.png"), full_page=True)
    with office.expect_download() as download:
        answered.get_by_role("link", name="bao-cao-xa-an-truong.pdf").click()
    assert open(download.value.path(), "rb").read().startswith(b"%PDF-")

    # On a phone (390 px) neither page is wider than the screen: the tables scroll in their own box.
    for page, name in ((desk, "directive-received-phone.png"), (office, "directive-tracking-phone.png")):
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        page.screenshot(path=str(artifacts_dir / name), full_page=True)
        assert overflow <= 1, (name, overflow)
