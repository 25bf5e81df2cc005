"""Page addresses fold Vietnamese the project's way on every path a page takes (core/slugs.py),
and `manage.py repair_slugs` renames the pages Wagtail garbled, with redirects from the old
addresses. The browser side (the slug field while typing, Wagtail's own urlify compared with
the port) is in tests/browser/test_slugs_in_browser.py."""

import io
import json
import re
from pathlib import Path

import pytest
import wagtail
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, Site
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from cms_pages.models import AnnouncementIndexPage, AnnouncementPage, NewsIndexPage, NewsPage
from core.slugs import URLIFY_TABLE, folded_slug, is_garbled, wagtail_urlify
from inquiries.models import AnsweredQuestionPage, QuestionIndexPage
from sources.cap_import import import_alert
from sources.models import SourceItemPage
from tests.factories import announcement, news, section_of
from tests.sources.test_cap import SAMPLE

TITLE = "Cảnh báo lốc xoáy, mưa đá chiều tối nay"
GARBLED = "cnh-bao-lc-xoay-ma-dja-chiu-ti-nay"  # what Wagtail's admin JavaScript writes
FOLDED = "canh-bao-loc-xoay-mua-da-chieu-toi-nay"
COMMUNE_HOST = "an-truong.cang-long.tra-vinh.localhost:8000"


def _user(name, *groups):
    user = get_user_model().objects.create_user(name, password="x-Strong-pass-123")
    user.groups.add(*groups)
    return user


@pytest.fixture
def moderator(client, commune):
    user = _user("kiemduyet", commune.moderators_group)
    client.force_login(user)
    return user


def _announcement_form(title=TITLE, slug=GARBLED, **extra):
    return nested_form_data(
        {
            "title": title,
            "slug": slug,
            "date": "2026-11-23",
            "summary": "Người dân chằng chống nhà cửa, không trú dưới cây to.",
            "body": streamfield([]),
            "valid_from": "2026-11-23 08:00",
            "valid_until": "2026-11-30 17:00",
            "priority": "normal",
            "show_on_boards": "on",
            "attachments": inline_formset([]),
            "action-publish": "action-publish",
            **extra,
        }
    )


def _add_url(index):
    return reverse("wagtailadmin_pages:add", args=["cms_pages", "announcementpage", index.pk])


def _as_legacy(page, slug):
    """The page as saved before this fix: its slug as Wagtail made it, in the row and its revisions."""
    parent = page.get_parent()
    Page.objects.filter(pk=page.pk).update(slug=slug, url_path=f"{parent.url_path}{slug}/")
    for revision in page.revisions.all():
        revision.content["slug"] = slug
        revision.save(update_fields=["content"])
    page.refresh_from_db()
    return page


# --- The rule ------------------------------------------------------------------------------------


def _installed_urlify_table():
    """The table in the installed Wagtail admin bundle, resolved as its urlify resolves it."""
    bundle = Path(wagtail.__file__).parent / "admin/static/wagtailadmin/js/core.js"
    text = bundle.read_text(encoding="utf-8")
    start = text.index('JSON.parse(\'[{"LATIN_MAP:und"') + len("JSON.parse('")
    config = json.loads(text[start : text.index("')", start)])
    pairs = [pair for table in config for pairs in table.values() for pair in pairs]
    resolved = {}
    for letter, replacement in reversed(pairs):  # Object.fromEntries(… .reverse()): the first table wins
        resolved[letter] = replacement
    return resolved


def test_the_urlify_port_uses_the_installed_wagtail_admin_table():
    assert _installed_urlify_table() == URLIFY_TABLE


@pytest.mark.parametrize(
    ("title", "garbled", "folded"),
    [
        (TITLE, GARBLED, FOLDED),
        ("Đường dây nóng", "djng-day-nong", "duong-day-nong"),
        ("Kế hoạch 35/KH-UBND", "k-hoch-35kh-ubnd", "ke-hoach-35-kh-ubnd"),
        ("  Lịch tiêm chủng  ", "lch-tiem-chng", "lich-tiem-chung"),
    ],
)
def test_what_wagtail_makes_and_what_the_project_makes(title, garbled, folded):
    assert wagtail_urlify(title) == garbled
    assert folded_slug(title) == folded


def test_a_long_title_is_cut_at_a_word():
    title = "Quyết định về việc phê duyệt kế hoạch phòng, chống thiên tai và tìm kiếm cứu nạn năm 2026 của xã An Trường"
    slug = folded_slug(title)
    assert len(slug) <= 80
    assert slug == "quyet-dinh-ve-viec-phe-duyet-ke-hoach-phong-chong-thien-tai-va-tim-kiem-cuu-nan"


@pytest.mark.parametrize(
    ("slug", "garbled"),
    [
        (GARBLED, True),  # the JavaScript's
        (GARBLED + "-2", True),  # …with the number the editor added when told it was taken
        ("canh-bao-loc-xoay-mua-a-chieu-toi-nay", True),  # Django's slugify of a blank slug drops đ
        ("loc-xoay-dja", True),  # a garbled word kept in an edited slug
        (FOLDED, False),
        (FOLDED + "-3", False),
        ("loc-xoay-chieu-nay", False),  # the editor's own
        ("lich-cat-dien", False),
        ("", False),
    ],
)
def test_which_slugs_are_garbled(slug, garbled):
    assert is_garbled(slug, TITLE) is garbled


def test_a_folded_word_that_looks_garbled_elsewhere_is_not():
    # "mưa" gives "ma" in the JavaScript, but "má" is in the title and folds to "ma" itself.
    assert not is_garbled("mua-ma", "Mưa má")
    assert is_garbled("ma-ma", "Mưa má")


# --- Each path a page takes -----------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_form_with_the_slug_the_javascript_made(client, moderator, commune):
    index = AnnouncementIndexPage.objects.child_of(commune).get()
    response = client.post(_add_url(index), _announcement_form())
    assert response.status_code == 302
    page = AnnouncementPage.objects.child_of(index).get(title=TITLE)
    assert page.live and page.slug == FOLDED
    assert page.get_latest_revision().content["slug"] == FOLDED
    public = client.get(f"/thong-bao/{FOLDED}/", HTTP_HOST=COMMUNE_HOST)
    assert public.status_code == 200 and TITLE in public.content.decode()


@pytest.mark.django_db
def test_admin_form_when_the_folded_slug_is_taken_numbers_it(client, moderator, commune):
    index = AnnouncementIndexPage.objects.child_of(commune).get()
    assert client.post(_add_url(index), _announcement_form()).status_code == 302
    # Next week the same title again; the browser now shows the folded slug, already taken.
    assert client.post(_add_url(index), _announcement_form(slug=FOLDED)).status_code == 302
    # And once more from an old browser tab that still garbles it.
    assert client.post(_add_url(index), _announcement_form(slug=GARBLED)).status_code == 302
    slugs = sorted(AnnouncementPage.objects.child_of(index).filter(title=TITLE).values_list("slug", flat=True))
    assert slugs == [FOLDED, f"{FOLDED}-2", f"{FOLDED}-3"]


@pytest.mark.django_db
def test_admin_form_keeps_the_slug_the_editor_typed(client, moderator, commune):
    index = AnnouncementIndexPage.objects.child_of(commune).get()
    assert client.post(_add_url(index), _announcement_form(slug="loc-xoay-chieu-nay")).status_code == 302
    assert AnnouncementPage.objects.child_of(index).get(title=TITLE).slug == "loc-xoay-chieu-nay"


@pytest.mark.django_db
def test_admin_form_with_a_blank_slug_asks_for_it(client, moderator, commune):
    # The form's slug is required (the JavaScript fills it from the title again once emptied);
    # a blank slug by any other way is folded (test_pages_made_by_code_or_import_in_every_app).
    index = AnnouncementIndexPage.objects.child_of(commune).get()
    response = client.post(_add_url(index), _announcement_form(slug=""))
    assert response.status_code == 200
    assert "Trường này là bắt buộc." in response.content.decode()
    assert not AnnouncementPage.objects.child_of(index).filter(title=TITLE).exists()


@pytest.mark.django_db
def test_admin_edit_of_a_draft_folds_the_new_title_but_a_published_page_keeps_its_address(client, moderator, commune):
    index = AnnouncementIndexPage.objects.child_of(commune).get()
    client.post(_add_url(index), _announcement_form(title="Thông báo", slug="thong-bao-1", **{"action-publish": ""}))
    draft = AnnouncementPage.objects.child_of(index).get(title="Thông báo")
    assert not draft.live
    edit = reverse("wagtailadmin_pages:edit", args=[draft.pk])
    assert client.post(edit, _announcement_form()).status_code == 302  # the JS followed the new title
    draft.refresh_from_db()
    assert draft.live and draft.slug == FOLDED

    # A page published before the fix keeps its address when edited: repair_slugs moves it with redirects.
    old = _as_legacy(announcement(commune, "Lịch cắt điện tuần này"), "lch-ct-din-tun-nay")
    edit = reverse("wagtailadmin_pages:edit", args=[old.pk])
    form = _announcement_form(title="Lịch cắt điện tuần này", slug="lch-ct-din-tun-nay")
    assert client.post(edit, form).status_code == 302
    old.refresh_from_db()
    assert old.slug == "lch-ct-din-tun-nay"


@pytest.mark.django_db
def test_copy_through_wagtails_copy_view(client, moderator, commune):
    source = _as_legacy(announcement(commune, TITLE), GARBLED)
    index = source.get_parent()
    copy = reverse("wagtailadmin_pages:copy", args=[source.pk])
    # Same title, a free slug garbled by hand from the old one; then a new title, the old slug kept.
    response = client.post(copy, {"new_title": TITLE, "new_slug": GARBLED + "-2", "new_parent_page": str(index.pk)})
    assert response.status_code == 302
    response = client.post(
        copy,
        {"new_title": "Cảnh báo lốc xoáy đợt hai", "new_slug": "cnh-bao-lc-xoay-2b", "new_parent_page": str(index.pk)},
    )
    assert response.status_code == 302
    first = AnnouncementPage.objects.child_of(index).exclude(pk=source.pk).get(title=TITLE)
    second = AnnouncementPage.objects.child_of(index).get(title="Cảnh báo lốc xoáy đợt hai")
    assert first.slug == FOLDED  # the source still has the garbled one: the folded one is free
    assert second.slug == "canh-bao-loc-xoay-dot-hai"
    # What the edit form will show (the latest revision) is the same slug.
    assert first.get_latest_revision().content["slug"] == first.slug
    assert second.get_latest_revision().content["slug"] == second.slug


@pytest.mark.django_db
def test_pages_made_by_code_or_import_in_every_app(commune, province):
    # cms_pages: the slug a script copied from the admin
    index = NewsIndexPage.objects.child_of(commune).get()
    page = NewsPage(title=TITLE, slug=GARBLED, summary="Tóm tắt", date=timezone.localdate())
    index.add_child(instance=page)
    assert page.slug == FOLDED
    # a page type with no mixin at all, blank slug: Wagtail alone would drop the đ
    plain = commune.add_child(instance=Page(title="Đường dây nóng"))
    assert plain.slug == "duong-day-nong"
    # inquiries
    questions = QuestionIndexPage.objects.child_of(commune).get()
    answer = AnsweredQuestionPage(
        title="Đề nghị sửa đường ấp Chợ",
        question="Đường hư",
        answer="<p>Đã sửa.</p>",
        asked_on="2026-11-01",
        answered_on="2026-11-05",
    )
    questions.add_child(instance=answer)
    assert answer.slug == "de-nghi-sua-duong-ap-cho"
    # sources, blank slug, then a CAP import
    item = SourceItemPage(title="Hướng dẫn phòng chống đuối nước", summary="…", valid_from=timezone.now())
    section_of(province).add_child(instance=item)
    assert item.slug == "huong-dan-phong-chong-duoi-nuoc"
    imported = import_alert(SAMPLE.encode(), section_of(province), publish=True).pages[0]
    assert imported.title == "Bão số 9 đổ bộ vùng ven biển Trà Vinh"
    assert imported.slug == "bao-so-9-do-bo-vung-ven-bien-tra-vinh"


@pytest.mark.django_db
def test_a_commune_moderator_cannot_create_in_another_commune(client, moderator, other_commune):
    index = AnnouncementIndexPage.objects.child_of(other_commune).get()
    response = client.post(_add_url(index), _announcement_form())
    assert response.status_code in (302, 403)
    assert not AnnouncementPage.objects.child_of(index).filter(title=TITLE).exists()


# --- manage.py repair_slugs -----------------------------------------------------------------------


def _repair(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("repair_slugs", "--no-progress", *args, stdout=out, stderr=err)
    return out.getvalue()


@pytest.mark.django_db
def test_repair_slugs_dry_run_then_real_run_then_nothing(
    client, commune, other_commune, django_capture_on_commit_callbacks
):
    garbled = _as_legacy(announcement(commune, TITLE), GARBLED)
    blank_made = _as_legacy(news(commune, "Mưa đá ở ấp Chợ"), "mua-a-o-ap-cho")  # Django's slugify
    own = _as_legacy(news(commune, "Tin ngắn"), "tin-ngan-cua-xa")
    elsewhere = _as_legacy(news(other_commune, "Đê biển sạt lở"), "dj-bin-st-l")
    redirects = Redirect.objects.count()

    out = _repair("--dry-run")
    assert f"/thong-bao/{GARBLED}/" in out and f"/thong-bao/{FOLDED}/" in out
    assert "/tin-tuc/mua-a-o-ap-cho/" in out and "/tin-tuc/mua-da-o-ap-cho/" in out
    assert "Chạy thử: sẽ đổi địa chỉ 3 trang" in out
    garbled.refresh_from_db()
    assert garbled.slug == GARBLED and Redirect.objects.count() == redirects

    with django_capture_on_commit_callbacks(execute=True):  # Wagtail's own handlers of the renames run too
        out = _repair("--site", COMMUNE_HOST)  # only An Trường's pages
    assert "Đã đổi địa chỉ 2 trang" in out
    for page in (garbled, blank_made, own, elsewhere):
        page.refresh_from_db()
    assert garbled.slug == FOLDED and garbled.url_path.endswith(f"/thong-bao/{FOLDED}/")
    assert blank_made.slug == "mua-da-o-ap-cho"
    assert own.slug == "tin-ngan-cua-xa"  # the editor's own stays
    assert elsewhere.slug == "dj-bin-st-l"  # another site, not asked for
    assert garbled.get_latest_revision().content["slug"] == FOLDED

    site = Site.objects.get(root_page=commune)
    assert Redirect.objects.filter(site=site, old_path=f"/thong-bao/{GARBLED}", redirect_page=garbled).exists()
    old = client.get(f"/thong-bao/{GARBLED}/", HTTP_HOST=COMMUNE_HOST)
    assert old.status_code == 301
    assert old["Location"].endswith(f"/thong-bao/{FOLDED}/")
    assert client.get(old["Location"], HTTP_HOST=COMMUNE_HOST).status_code == 200

    out = _repair()  # the whole installation: Đông Hải's page now
    assert "Đã đổi địa chỉ 1 trang" in out
    elsewhere.refresh_from_db()
    assert elsewhere.slug == "de-bien-sat-lo"

    redirects = Redirect.objects.count()
    out = _repair()
    assert "Không có trang nào có địa chỉ bị hỏng dấu" in out
    assert Redirect.objects.count() == redirects


@pytest.mark.django_db
def test_repair_slugs_renames_a_parent_before_its_subpages(client, commune):
    parent = _as_legacy(commune.add_child(instance=Page(title="Đoàn thể")), "djoan-th")
    child = parent.add_child(instance=Page(title="Hội Nông dân"))
    child.save_revision().publish()
    child = _as_legacy(child, "hi-nong-dan")
    _repair()
    parent.refresh_from_db()
    child.refresh_from_db()
    assert (parent.slug, child.slug) == ("doan-the", "hoi-nong-dan")
    assert child.url_path.endswith("/doan-the/hoi-nong-dan/")
    response = client.get("/djoan-th/hi-nong-dan/", HTTP_HOST=COMMUNE_HOST)
    assert response.status_code == 301 and response["Location"].endswith("/doan-the/hoi-nong-dan/")


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["khong-co.localhost", "http://", "a b"])
def test_repair_slugs_refuses_an_unknown_site(value):
    with pytest.raises(CommandError, match=re.escape(f"«{value}»")):
        _repair("--site", value)
