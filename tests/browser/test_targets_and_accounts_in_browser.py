"""Province-scale choosers and "Tạo tài khoản cho xã" in a real browser.

A province editor opens a new source item, types "an truong" (no marks) in the communes' search
box: only Xã An Trường and Xã An Trường A stay in view, under Huyện Càng Long; "Chọn tất cả" of
that district ticks exactly those two, the count says so, the draft is saved and the item
targets exactly those communes. On a phone the chooser is one column and never wider than the
screen. The same editor then creates an account for a commune, finding it by typing; Wagtail's
own user form finds a unit's groups the same way."""

import re

import pytest

from .conftest import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "Mat-khau-tinh-2026"
TITLE = "Kế hoạch tiêm vắc xin sởi cho trẻ em các xã An Trường"

SETUP = f"""
from django.contrib.auth import get_user_model
from areas.models import AreaPage, PortalHomePage
from sources.models import SourceIndexPage
province = AreaPage.objects.get(structure="2024", level="province", code="84")
User = get_user_model()
user, _ = User.objects.get_or_create(username="bientap-tra-vinh", defaults={{"first_name": "Lâm Thị", "last_name": "Hồng"}})
user.set_password("{PASSWORD}"); user.save(); user.groups.add(province.editors_group)
admin, _ = User.objects.get_or_create(username="quantri-tra-vinh", defaults={{"is_superuser": True, "is_staff": True}})
admin.set_password("{PASSWORD}"); admin.save()
section = SourceIndexPage.objects.child_of(PortalHomePage.objects.child_of(province).get()).get()
print(section.pk)
"""

TARGETS = f"""
from sources.models import SourceItemPage
page = SourceItemPage.objects.get(title="{TITLE}").get_latest_revision_as_object()
print("|".join(sorted(c.title for c in page.target_communes.all())))
"""

ACCOUNT = """
from django.contrib.auth import get_user_model
user = get_user_model().objects.get(email="thu.le@antruonga.gov.vn")
print(user.username, "|", user.get_full_name(), "|", "|".join(g.name for g in user.groups.all()))
"""

HOST = "tra-vinh.localhost"


def log_in(page, live_site, username):
    sign_in(page, live_site.url(HOST, ""), username, PASSWORD)  # province staff: password, then the second factor


def shown_labels(widget):
    return [
        " ".join(text.split()) for text in widget.locator("li[data-grouped-option]:visible label").all_inner_texts()
    ]


def test_a_province_targets_communes_found_by_typing_and_creates_an_account(live_site, browser, artifacts_dir):
    section = live_site.manage("shell", "--no-imports", "-c", SETUP).stdout.strip().splitlines()[-1]
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 1000})
    desk = context.new_page()
    log_in(desk, live_site, "bientap-tra-vinh")

    desk.goto(live_site.url(HOST, f"/admin/pages/add/sources/sourceitempage/{section}/"))
    desk.locator("#id_title").fill(TITLE)
    desk.locator("#id_summary").fill("Trạm y tế tiêm vắc xin sởi – rubella cho trẻ dưới 5 tuổi vào thứ Bảy.")
    communes = desk.locator("#id_target_communes")
    count = communes.locator("[data-grouped-count]")
    total = int(count.inner_text().split("/")[-1])
    assert total > 100 and count.inner_text().startswith("Đã chọn 0/")
    communes.locator("[data-grouped-search]").fill("an truong")
    assert sorted(shown_labels(communes)) == ["Xã An Trường", "Xã An Trường A"]
    visible_headings = communes.locator("[data-grouped-group]:visible .grouped-choices__title").all_inner_texts()
    assert visible_headings == ["Huyện Càng Long"]
    cang_long = communes.locator("[data-grouped-group]:visible")
    choose_all = cang_long.locator("[data-grouped-all]")
    assert choose_all.inner_text().startswith("Chọn tất cả")
    choose_all.click()
    assert count.inner_text() == f"Đã chọn 2/{total}"
    assert cang_long.locator("[data-grouped-group-count]").inner_text().startswith("2/")
    desk.screenshot(path=str(artifacts_dir / "targets-search-choose-all.png"), full_page=False)
    # Clearing the search shows the whole list again, still with those two ticked only.
    communes.locator("[data-grouped-search]").fill("")
    assert len(shown_labels(communes)) == total
    ticked = communes.locator("input[name=target_communes]:checked")
    assert ticked.count() == 2

    # On a phone: one column, never wider than the screen (the admin's sidebar slides away
    # first, so wait for the layout rather than measure at once).
    desk.set_viewport_size({"width": 390, "height": 844})
    desk.wait_for_function(
        """() => {
            const list = document.querySelector("#id_target_communes .grouped-choices__list");
            return getComputedStyle(list).gridTemplateColumns.trim().split(/\\s+/).length === 1;
        }"""
    )
    widths = communes.evaluate("(el) => [el.getBoundingClientRect().width, el.scrollWidth, el.clientWidth]")
    assert widths[0] <= 390 and widths[1] <= widths[2]
    communes.scroll_into_view_if_needed()
    desk.screenshot(path=str(artifacts_dir / "targets-phone.png"), full_page=False)
    desk.set_viewport_size({"width": 1280, "height": 1000})

    desk.get_by_role("button", name="Lưu nháp").click()
    desk.wait_for_url(re.compile(r"/admin/pages/\d+/edit/"))
    targets = live_site.manage("shell", "--no-imports", "-c", TARGETS).stdout.strip().splitlines()[-1]
    assert targets == "Xã An Trường|Xã An Trường A"

    # "Tạo tài khoản cho xã": the commune found by typing, a moderator's account.
    desk.goto(live_site.url(HOST, "/admin/tai-khoan-xa/"))
    picker = desk.locator("#id_commune")
    picker.locator("[data-grouped-search]").fill("an truong a")
    assert shown_labels(picker) == ["Xã An Trường A"]
    desk.get_by_label("Xã An Trường A", exact=True).check()
    desk.locator("input[name=role][value=moderators]").check()
    desk.locator("#id_name").fill("Lê Thị Thu")
    desk.locator("#id_email").fill("thu.le@antruonga.gov.vn")
    desk.locator("form#w-editor-form button[type=submit]").first.click()
    desk.wait_for_load_state()
    assert "Đã tạo tài khoản “thu.le” (Lê Thị Thu, kiểm duyệt viên Xã An Trường A)" in desk.locator("body").inner_text()
    desk.screenshot(path=str(artifacts_dir / "commune-account-created.png"), full_page=False)
    account = live_site.manage("shell", "--no-imports", "-c", ACCOUNT).stdout.strip().splitlines()[-1]
    assert account.startswith("thu.le | Lê Thị Thu | Xã An Trường A (") and account.endswith("· Kiểm duyệt viên")

    context.close()

    # Wagtail's own user form: some 230 groups, found by typing.
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 1000})
    desk = context.new_page()
    log_in(desk, live_site, "quantri-tra-vinh")
    desk.goto(live_site.url(HOST, "/admin/users/new/"))
    desk.locator("#tab-label-roles").click()  # the groups are on the "Vai trò" tab
    groups = desk.locator(".grouped-choices--user-groups")
    groups.locator("[data-grouped-search]").fill("an truong")
    found = [" ".join(t.split()) for t in groups.locator("[data-grouped-option]:visible").all_inner_texts()]
    assert found and all("An Trường" in label for label in found)
    assert {label.split(" (")[0] for label in found} == {"Xã An Trường", "Xã An Trường A"}
    desk.screenshot(path=str(artifacts_dir / "user-form-group-search.png"), full_page=False)
    context.close()
