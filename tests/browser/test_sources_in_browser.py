"""A district moderator pushes source information down in a real browser: writes it in the
admin, chooses two of the district's communes (communes of other districts are not offered),
publishes; the chosen commune's home shows it on a phone, the third commune's does not; the
"Nơi nhận" page lists the two communes."""

import re

import pytest

from .conftest import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "Mat-khau-nguon-2026"
TITLE = "Hướng dẫn đăng ký tiêm vắc xin cho trẻ dưới 5 tuổi"

SETUP = f"""
from django.contrib.auth import get_user_model
from areas.models import AreaPage, PortalHomePage
from sources.models import SourceIndexPage
district = AreaPage.objects.get(structure="2024", level="district", code="844")
user, _ = get_user_model().objects.get_or_create(username="kiemduyet-cang-long")
user.set_password("{PASSWORD}"); user.save(); user.groups.add(district.moderators_group)
section = SourceIndexPage.objects.child_of(PortalHomePage.objects.child_of(district).get()).get()
print(section.pk)
"""


def test_a_district_pushes_an_item_to_chosen_communes(live_site, browser, phone, artifacts_dir):
    section = live_site.manage("shell", "--no-imports", "-c", SETUP).stdout.strip().splitlines()[-1]
    host = "cang-long.tra-vinh.localhost"
    desk = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 1000}).new_page()
    sign_in(desk, live_site.url(host, ""), "kiemduyet-cang-long", PASSWORD)  # password, then the second factor

    desk.goto(live_site.url(host, f"/admin/pages/add/sources/sourceitempage/{section}/"))
    communes = desk.locator("input[name=target_communes]")
    offered = [
        desk.locator(f"label[for={communes.nth(i).get_attribute('id')}]").inner_text().strip()
        for i in range(communes.count())
    ]
    assert "Xã Mỹ Cẩm" in offered and "Xã Đông Hải" not in offered  # only Càng Long's communes
    desk.locator("#id_title").fill(TITLE)
    desk.locator("#id_summary").fill("Trạm y tế xã tiêm vắc xin sởi – rubella cho trẻ dưới 5 tuổi vào thứ Bảy.")
    desk.get_by_label("Xã Mỹ Cẩm").check()
    desk.get_by_label("Xã An Trường", exact=True).check()
    desk.screenshot(path=str(artifacts_dir / "source-item-admin.png"), full_page=True)
    # Publish (in the footer's action menu; the district's moderator may publish).
    desk.locator("button[name=action-publish]").dispatch_event("click")
    desk.wait_for_url(re.compile(r"/admin/pages/\d+/"))
    page_id = (
        live_site.manage(
            "shell",
            "--no-imports",
            "-c",
            (
                f"from sources.models import SourceItemPage; p = SourceItemPage.objects.get(title='{TITLE}'); "
                "print(p.pk if p.live else 'draft')"
            ),
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert page_id.isdigit(), "the item was not published"

    phone.goto(live_site.url("my-cam.cang-long.tra-vinh.localhost", "/"))
    block = phone.locator("section.pushed")
    assert TITLE in block.inner_text() and "UBND huyện Càng Long" in block.inner_text()
    phone.screenshot(path=str(artifacts_dir / "source-item-commune-phone.png"), full_page=True)
    phone.goto(live_site.url("huyen-hoi.cang-long.tra-vinh.localhost", "/"))
    assert TITLE not in phone.content()

    desk.goto(live_site.url(host, f"/admin/thong-tin-nguon/{page_id}/noi-nhan/"))
    table = desk.locator("table.listing").inner_text()
    assert "Xã Mỹ Cẩm" in table and "Xã An Trường" in table and "Xã Huyền Hội" not in table
    assert "2/2 trang xã đang hiện" in desk.content()
    desk.screenshot(path=str(artifacts_dir / "source-item-delivery.png"), full_page=True)
    desk.context.close()
