"""Whole-page cache for anonymous readers: hits while nothing changes, fresh after a publish,
never for logged-in editors, and announcements still expire on the clock."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cms_pages.models import AnnouncementPage
from core import page_cache
from tests.factories import announcement, news

HOST = "an-truong.cang-long.tra-vinh.localhost:8000"


def get(client, path="/"):
    return client.get(path, HTTP_HOST=HOST)


@pytest.fixture(autouse=True)
def _site_settings_exist(client, commune):
    # The first request of a site creates its settings row, which itself starts a new version.
    get(client)


@pytest.mark.django_db
def test_second_anonymous_request_is_a_hit_and_a_publish_shows_at_once(client, commune):
    first = get(client)
    assert first["X-Cache"] == "MISS"
    second = get(client)
    assert second["X-Cache"] == "HIT" and second.content == first.content
    news(commune, "Tin vừa đăng")  # publishing starts a new content version
    third = get(client)
    assert third["X-Cache"] == "MISS" and "Tin vừa đăng" in third.content.decode()


@pytest.mark.django_db
def test_unpublish_shows_at_once(client, commune):
    page = news(commune, "Tin sẽ gỡ")
    assert "Tin sẽ gỡ" in get(client).content.decode()
    page.unpublish()
    assert "Tin sẽ gỡ" not in get(client).content.decode()


@pytest.mark.django_db
def test_logged_in_users_are_never_served_from_the_cache(client, commune):
    get(client)
    user = get_user_model().objects.create_user("bientap", password="x-Strong-pass-123")
    client.force_login(user)
    response = get(client)
    assert not response.has_header("X-Cache")


@pytest.mark.django_db
def test_cached_page_lives_only_until_the_minute_turns(client, commune, monkeypatch):
    now = timezone.now()
    a = announcement(commune, "Thông báo hết hạn theo giờ", valid_until=now + datetime.timedelta(minutes=5))
    monkeypatch.setattr(page_cache, "minute_bucket", lambda: "202611231000")
    assert "Thông báo hết hạn theo giờ" in get(client).content.decode()
    # The announcement's time passes without any edit (no signal).
    AnnouncementPage.objects.filter(pk=a.pk).update(valid_until=now - datetime.timedelta(seconds=1))
    assert get(client)["X-Cache"] == "HIT"  # same minute: the cached page
    monkeypatch.setattr(page_cache, "minute_bucket", lambda: "202611231001")
    response = get(client)
    assert response["X-Cache"] == "MISS" and "Thông báo hết hạn theo giờ" not in response.content.decode()


@pytest.mark.django_db
def test_pdf_is_cached_with_its_headers(client, commune):
    page = news(commune, "Tin để in")
    path = page.get_url().split(":8000", 1)[1] + "in/"
    first, second = get(client, path), get(client, path)
    assert second["X-Cache"] == "HIT"
    assert second["Content-Type"] == "application/pdf" and second.content == first.content
    assert second["Content-Disposition"] == first["Content-Disposition"]


def _queries_for(client, path, host=HOST):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page_cache.new_content_version()  # a cold render
    client.get(path, HTTP_HOST=host)  # renditions are made on the first render
    page_cache.new_content_version()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_HOST=host)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("path, host", [("/", HOST), ("/tin-tuc/", HOST), ("/", "cang-long.tra-vinh.localhost:8000")])
def test_queries_per_page_do_not_grow_with_items(client, commune, path, host):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    image = Image.objects.create(title="Ảnh", file=get_test_image_file(), collection=commune.collection)
    for i in range(2):
        news(commune, f"Tin ít {i}", featured_image=image)
        announcement(commune, f"Thông báo ít {i}")
    few = _queries_for(client, path, host)
    for i in range(8):
        news(
            commune,
            f"Tin nhiều {i}",
            featured_image=Image.objects.create(
                title=f"Ảnh {i}", file=get_test_image_file(), collection=commune.collection
            ),
        )
        announcement(commune, f"Thông báo nhiều {i}")
    many = _queries_for(client, path, host)
    assert many == few, f"{path} on {host}: {few} queries with 2 items, {many} with 10"
