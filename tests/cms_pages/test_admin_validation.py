"""Bad input in the admin gets a clear Vietnamese message and loses nothing already saved."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from cms_pages.models import AnnouncementIndexPage, AnnouncementPage, DocumentIndexPage, LegalDocumentPage


@pytest.fixture
def moderator(client, commune):
    user = get_user_model().objects.create_user("kiemduyet", password="x-Strong-pass-123")
    user.groups.add(commune.moderators_group)
    client.force_login(user)
    return user


def _announcement_data(**overrides):
    data = {
        "title": "Thông báo lịch tiêm chủng",
        "slug": "lich-tiem-chung",
        "date": "2026-11-23",
        "summary": "Tiêm chủng mở rộng tại trạm y tế xã.",
        "body": streamfield([]),
        "valid_from": "2026-11-23 08:00",
        "valid_until": "2026-11-30 17:00",
        "priority": "normal",
        "show_on_boards": "on",
        "attachments": inline_formset([]),
    }
    data.update(overrides)
    return nested_form_data(data)


@pytest.mark.django_db
def test_validity_end_before_start_is_refused_with_a_message(client, moderator, commune):
    index = AnnouncementIndexPage.objects.child_of(commune).get()
    url = reverse("wagtailadmin_pages:add", args=["cms_pages", "announcementpage", index.pk])
    response = client.post(url, _announcement_data(valid_until="2026-11-20 17:00"))
    assert response.status_code == 200
    assert "Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực." in response.content.decode()
    assert not AnnouncementPage.objects.filter(slug="lich-tiem-chung").exists()

    # A good one saves; a later bad edit is refused and the saved version stays as it was.
    response = client.post(url, _announcement_data(**{"action-publish": "action-publish"}))
    assert response.status_code == 302
    page = AnnouncementPage.objects.get(slug="lich-tiem-chung")
    assert page.live
    edit = reverse("wagtailadmin_pages:edit", args=[page.pk])
    response = client.post(
        edit,
        _announcement_data(title="Sửa sai", valid_until="2026-11-01 00:00", **{"action-publish": "action-publish"}),
    )
    assert response.status_code == 200
    assert "Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực." in response.content.decode()
    page.refresh_from_db()
    assert page.title == "Thông báo lịch tiêm chủng"


@pytest.mark.django_db
def test_legal_document_requires_its_official_metadata(client, moderator, commune):
    index = DocumentIndexPage.objects.child_of(commune).get()
    url = reverse("wagtailadmin_pages:add", args=["cms_pages", "legaldocumentpage", index.pk])
    data = nested_form_data(
        {
            "title": "Kế hoạch",
            "slug": "ke-hoach",
            "number_symbol": "ba mươi lăm",
            "doc_type": "ke_hoach",
            "issuer": "",
            "signer": "",
            "issue_date": "2026-03-10",
            "effective_date": "2026-03-01",
            "summary": "",
            "status": "in_force",
            "files": inline_formset([]),
            "action-publish": "action-publish",
        }
    )
    # Wagtail lets a draft be saved with required fields empty; publishing enforces them.
    html = client.post(url, data).content.decode()
    assert "không đúng dạng" in html  # number and symbol
    assert "Ngày hiệu lực không thể trước ngày ban hành." in html
    assert html.count("Trường này là bắt buộc.") >= 3  # issuer, signer, summary
    assert not LegalDocumentPage.objects.exists()


def _png(width=64, height=48):
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.django_db
def test_uploads_are_checked_by_content(client, moderator, commune):
    url = reverse("wagtailimages:add")
    fake = SimpleUploadedFile("anh-that.jpg", b"<script>alert(1)</script> not an image", content_type="image/jpeg")
    response = client.post(url, {"title": "Giả", "file": fake, "collection": commune.collection_id})
    assert response.status_code == 200
    assert not Image.objects.filter(title="Giả").exists()
    real = SimpleUploadedFile("anh.png", _png(), content_type="image/png")
    response = client.post(url, {"title": "Ảnh thật", "file": real, "collection": commune.collection_id})
    assert response.status_code == 302
    assert Image.objects.get(title="Ảnh thật").collection_id == commune.collection_id


@pytest.mark.django_db
def test_oversized_upload_is_refused(client, moderator, commune, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 1000
    big = SimpleUploadedFile("lon.png", _png(400, 400) + b"\0" * 2000, content_type="image/png")
    response = client.post(
        reverse("wagtailimages:add"), {"title": "Lớn", "file": big, "collection": commune.collection_id}
    )
    assert response.status_code == 200
    assert not Image.objects.filter(title="Lớn").exists()
