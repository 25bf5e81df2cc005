"""A commune editor sees and edits only their own commune, on every admin page."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from cms_pages.models import NewsIndexPage, StandardPage


@pytest.fixture
def editor(commune):
    user = get_user_model().objects.create_user("bientap_an_truong", password="x-Strong-pass-123")
    user.groups.add(commune.editors_group)
    return user


@pytest.fixture
def moderator(commune):
    user = get_user_model().objects.create_user("kiemduyet_an_truong", password="x-Strong-pass-123")
    user.groups.add(commune.moderators_group)
    return user


def _admin_pages(home):
    news = NewsIndexPage.objects.child_of(home).get()
    page = StandardPage(title=f"Trang riêng của {home.title}", body=[("paragraph", "<p>nội dung</p>")])
    home.add_child(instance=page)
    page.save_revision().publish()
    return news, page


def _page_urls(home, news, page):
    return {
        "explore home": reverse("wagtailadmin_explore", args=[home.pk]),
        "explore section": reverse("wagtailadmin_explore", args=[news.pk]),
        "edit home": reverse("wagtailadmin_pages:edit", args=[home.pk]),
        "edit page": reverse("wagtailadmin_pages:edit", args=[page.pk]),
        "add subpage": reverse("wagtailadmin_pages:add_subpage", args=[home.pk]),
        "add standard page": reverse("wagtailadmin_pages:add", args=["cms_pages", "standardpage", home.pk]),
        "delete": reverse("wagtailadmin_pages:delete", args=[page.pk]),
        "copy": reverse("wagtailadmin_pages:copy", args=[page.pk]),
        "move": reverse("wagtailadmin_pages:move", args=[page.pk]),
        "unpublish": reverse("wagtailadmin_pages:unpublish", args=[page.pk]),
        "history": reverse("wagtailadmin_pages:history", args=[page.pk]),
        "revisions": reverse("wagtailadmin_pages:revisions_index", args=[page.pk]),
    }


def _refused(response, client=None, foreign_text=None):
    """403/404, or a redirect away from the page asked for (Wagtail sends a refused user to
    the dashboard or to the part of the tree they may explore) that does not show it."""
    if response.status_code in (403, 404):
        return True
    if response.status_code != 302 or response["Location"] == response.wsgi_request.path:
        return False
    if client is not None and foreign_text is not None:
        landing = client.get(response["Location"], follow=True)
        return foreign_text not in landing.content.decode()
    return True


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["editor", "moderator"])
def test_commune_staff_refused_on_every_admin_page_of_another_commune(who, request, client, commune, other_commune):
    user = request.getfixturevalue(who)
    news, page = _admin_pages(other_commune)
    client.force_login(user)
    for name, url in _page_urls(other_commune, news, page).items():
        response = client.get(url)
        assert _refused(response, client, page.title), (
            f"{who} reached {name} of another commune: {url} → {response.status_code}"
        )

    # Writes are refused and change nothing.
    edit_url = reverse("wagtailadmin_pages:edit", args=[page.pk])
    response = client.post(edit_url, {"title": "Bị sửa trái phép", "slug": page.slug, "body": "{}"})
    assert _refused(response)
    delete_url = reverse("wagtailadmin_pages:delete", args=[page.pk])
    assert _refused(client.post(delete_url))
    page.refresh_from_db()
    assert page.title == f"Trang riêng của {other_commune.title}"
    assert StandardPage.objects.filter(pk=page.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["editor", "moderator"])
def test_commune_staff_succeed_on_own_commune(who, request, client, commune):
    user = request.getfixturevalue(who)
    news, page = _admin_pages(commune)
    client.force_login(user)
    for name in [
        "explore home",
        "explore section",
        "edit home",
        "edit page",
        "add subpage",
        "add standard page",
        "history",
    ]:
        url = _page_urls(commune, news, page)[name]
        response = client.get(url)
        assert response.status_code == 200, f"{who} refused on own {name}: {url} → {response.status_code}"


@pytest.mark.django_db
def test_explorer_of_commune_editor_starts_at_own_commune(client, editor, commune, other_commune):
    client.force_login(editor)
    response = client.get(reverse("wagtailadmin_explore_root"))
    # Wagtail takes the editor straight to the one subtree they may work in.
    if response.status_code == 302:
        response = client.get(response["Location"])
    html = response.content.decode()
    assert commune.title in html
    assert other_commune.title not in html


@pytest.mark.django_db
def test_editor_sees_only_own_collection_images_and_documents(client, editor, commune, other_commune):
    own = Image.objects.create(title="Ảnh của An Trường", file=get_test_image_file(), collection=commune.collection)
    foreign = Image.objects.create(
        title="Ảnh của Đông Hải", file=get_test_image_file(), collection=other_commune.collection
    )
    foreign_doc = Document.objects.create(
        title="Tài liệu Đông Hải",
        collection=other_commune.collection,
        file=ContentFile(b"%PDF-1.4 test", name="dong-hai.pdf"),
    )
    client.force_login(editor)
    listing = client.get(reverse("wagtailimages:index")).content.decode()
    assert own.title in listing and foreign.title not in listing
    assert _refused(client.get(reverse("wagtailimages:edit", args=[foreign.pk])))
    assert _refused(client.get(reverse("wagtailimages:delete", args=[foreign.pk])))
    assert client.get(reverse("wagtailimages:edit", args=[own.pk])).status_code == 200
    assert _refused(client.get(reverse("wagtaildocs:edit", args=[foreign_doc.pk])))
    assert foreign_doc.title not in client.get(reverse("wagtaildocs:index")).content.decode()


@pytest.mark.django_db
def test_editor_cannot_reach_sites_users_or_settings(client, editor):
    client.force_login(editor)
    for name in ["wagtailsites:index", "wagtailusers_users:index", "wagtailusers_groups:index"]:
        assert _refused(client.get(reverse(name))), name


@pytest.mark.django_db
def test_admin_is_in_vietnamese_whatever_the_browser_asks(client, editor):
    client.force_login(editor)
    html = client.get(
        reverse("wagtailadmin_explore_root"), follow=True, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    ).content.decode()
    assert 'lang="vi"' in html
    assert "Tìm kiếm" in html
    assert "Exploring" not in html and ">Images<" not in html
