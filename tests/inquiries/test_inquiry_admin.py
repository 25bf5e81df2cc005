"""The admin side of "Hỏi đáp, phản ánh": who sees and handles which inquiries, the listing and
its filters, answering and publishing, validation, transfer and take-up by the district, the
e-mail to the citizen. Driven through the real admin URLs with the Django test client."""

import datetime
import io
import json
import secrets

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from wagtail.models import ModelLogEntry

from areas.models import CommuneHomePage
from inquiries.admin_views import LOG_TAKE_UP, LOG_TRANSFER, InquiryViewSet
from inquiries.models import (
    CONSENT_VERSION,
    AnsweredQuestionPage,
    EventAction,
    Inquiry,
    InquiryPhoto,
    QuestionIndexPage,
    Status,
    new_tracking_code,
)

PASSWORD = "x-Strong-pass-123"


# --- Helpers ------------------------------------------------------------------------------------------


def make_inquiry(
    commune,
    title="Hỏi về cấp đổi giấy chứng nhận quyền sử dụng đất",
    received_days_ago=0,
    deadline_in_days=10,
    **fields,
):
    received = timezone.now() - datetime.timedelta(days=received_days_ago)
    fields.setdefault("body", "Gia đình tôi muốn cấp đổi sổ đỏ cũ.\nCần những giấy tờ gì <và> nộp ở đâu?")
    fields.setdefault("name", "Nguyễn Văn Ba")
    fields.setdefault("email", "ba@example.vn")
    fields.setdefault("phone", "0912345678")
    inquiry = Inquiry.objects.create(
        code=new_tracking_code(),
        submission_key=secrets.token_urlsafe(16),
        commune=commune,
        title=title,
        consent_version=CONSENT_VERSION,
        consented_at=received,
        client_key="test-client",
        received_at=received,
        deadline=timezone.localdate(received) + datetime.timedelta(days=deadline_in_days),
        **fields,
    )
    inquiry.log(EventAction.RECEIVED)
    return inquiry


def staff(unit, role="editors", username=None, **fields):
    user = get_user_model().objects.create_user(
        username or f"{role}_{unit.pk}_{secrets.token_hex(3)}", password=PASSWORD, **fields
    )
    user.groups.add(getattr(unit, f"{role}_group"))
    return user


def draftail(*paragraphs):
    """The contentstate JSON the Draftail editor posts."""
    blocks = [
        {
            "key": f"k{i}",
            "type": "unstyled",
            "depth": 0,
            "text": text,
            "inlineStyleRanges": [],
            "entityRanges": [],
            "data": {},
        }
        for i, text in enumerate(paragraphs or [""])
    ]
    return json.dumps({"blocks": blocks, "entityMap": {}})


def handling_data(inquiry, answer=(), **overrides):
    data = {
        "status": inquiry.status,
        "reject_reason": inquiry.reject_reason,
        "assigned_to": inquiry.assigned_to_id or "",
        "deadline": inquiry.deadline.strftime("%d/%m/%Y"),
        "answer": draftail(*answer),
    }
    if inquiry.is_public:
        data["is_public"] = "on"
    for name, value in overrides.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def url(name, *args):
    return reverse(f"inquiries:{name}", args=args)


def host_of(page):
    site = page.get_site()
    return f"{site.hostname}:{site.port}"


def public_path(page):
    """The path of a page on its own site (fetched with that site's Host header)."""
    _site_id, _root_url, path = page.get_url_parts()
    return path


def listing(client, **params):
    response = client.get(url("index"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def district(commune):
    return commune.get_parent().specific


@pytest.fixture
def neighbour(commune):
    """Another commune of huyện Càng Long."""
    return CommuneHomePage.objects.sibling_of(commune, inclusive=False).order_by("path").first()


@pytest.fixture
def editor(commune):
    return staff(commune, "editors", "bientap_an_truong", first_name="Trần Thị", last_name="Lan")


@pytest.fixture
def district_editor(district):
    return staff(district, "editors", "bientap_cang_long")


@pytest.fixture
def photo_of():
    created = []

    def make(inquiry):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), "teal").save(buffer, "JPEG")
        photo = InquiryPhoto(inquiry=inquiry, width=40, height=30)
        photo.image.save("anh.jpg", ContentFile(buffer.getvalue()), save=True)
        created.append(photo)
        return photo

    yield make
    for photo in created:
        photo.image.storage.delete(photo.image.name)


# --- Who sees what ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_commune_editor_lists_only_own_commune_and_gets_404_elsewhere(client, commune, other_commune, editor, photo_of):
    own = make_inquiry(commune, "Đèn đường ấp Giồng Cao bị hỏng")
    foreign = make_inquiry(other_commune, "Rác thải ven biển Đông Hải")
    own_photo, foreign_photo = photo_of(own), photo_of(foreign)
    client.force_login(editor)

    html = listing(client)
    assert own.title in html and own.display_code in html
    assert foreign.title not in html
    # Searching does not reach further than the listing.
    assert foreign.title not in listing(client, q=foreign.display_code)
    assert own.title in listing(client, q=own.display_code.lower())

    for name in ["edit", "inspect", "history", "delete", "usage", "transfer", "take_up"]:
        response = client.get(url(name, foreign.pk))
        assert response.status_code == 404, f"{name} of another commune's inquiry → {response.status_code}"
    assert client.get(url("photo", foreign_photo.pk)).status_code == 404
    assert client.post(url("edit", foreign.pk), handling_data(foreign, ["Sửa trái phép"])).status_code == 404
    assert client.post(url("delete", foreign.pk)).status_code == 404
    foreign.refresh_from_db()
    assert foreign.answer == "" and Inquiry.objects.filter(pk=foreign.pk).exists()

    # Their own item opens, with the citizen's contact details, the body escaped and its photo.
    response = client.get(url("edit", own.pk))
    assert response.status_code == 200
    page = response.content.decode()
    for text in [
        own.display_code,
        "Nguyễn Văn Ba",
        "0912345678",
        "ba@example.vn",
        "Gia đình tôi muốn cấp đổi sổ đỏ cũ.<br>Cần những giấy tờ gì &lt;và&gt; nộp ở đâu?",
        url("photo", own_photo.pk),
        "Lịch sử xử lý",
        "Tiếp nhận",
    ]:
        assert text in page, text
    for name in ["inspect", "history", "usage"]:
        assert client.get(url(name, own.pk)).status_code == 200, name
    photo = client.get(url("photo", own_photo.pk))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert b"".join(photo.streaming_content)[:2] == b"\xff\xd8"
    assert "copy" not in {pattern.name for pattern in InquiryViewSet().get_urlpatterns()}


@pytest.mark.django_db
def test_district_editor_sees_all_its_communes_but_not_another_district(
    client, commune, neighbour, other_commune, district_editor
):
    own = make_inquiry(commune, "Hỏi về hộ nghèo ở An Trường")
    next_door = make_inquiry(neighbour, "Hỏi về đường nội đồng")
    foreign = make_inquiry(other_commune, "Hỏi về bến cá Đông Hải")
    client.force_login(district_editor)
    html = listing(client)
    assert own.title in html and next_door.title in html
    assert foreign.title not in html
    assert client.get(url("edit", own.pk)).status_code == 200
    assert client.get(url("edit", next_door.pk)).status_code == 200
    assert client.get(url("edit", foreign.pk)).status_code == 404
    # The "Xã" filter offers the district's communes only.
    choices = client.get(url("index")).context["filters"].form.fields["commune"].queryset
    assert set(choices) >= {commune, neighbour} and other_commune not in set(choices)
    assert own.title not in listing(client, commune=neighbour.pk)


@pytest.mark.django_db
def test_province_editor_and_superuser_see_everything(client, commune, other_commune, province):
    items = [make_inquiry(commune, "Câu hỏi ở Càng Long"), make_inquiry(other_commune, "Câu hỏi ở Duyên Hải")]
    for user in [
        staff(province, "moderators"),
        get_user_model().objects.create_superuser("quantri", "qt@example.vn", PASSWORD),
    ]:
        client.force_login(user)
        html = listing(client)
        assert all(item.title in html for item in items)
        assert client.get(url("edit", items[1].pk)).status_code == 200


# --- Listing, filters, menu, dashboard ------------------------------------------------------------------


@pytest.mark.django_db
def test_overdue_filter_lists_only_open_items_past_their_deadline(client, commune, editor):
    late = make_inquiry(commune, "Quá hạn mà chưa trả lời", received_days_ago=20, deadline_in_days=14)
    on_time = make_inquiry(commune, "Còn trong hạn", received_days_ago=2)
    answered_late = make_inquiry(
        commune,
        "Đã trả lời sau hạn",
        received_days_ago=20,
        deadline_in_days=14,
        status=Status.ANSWERED,
        answer="<p>Đã trả lời.</p>",
        answered_at=timezone.now(),
    )
    client.force_login(editor)

    html = listing(client)
    assert all(i.title in html for i in (late, on_time, answered_late))
    assert html.count('tincoso-overdue">Quá hạn') == 1  # marked in the "hạn trả lời" column

    html = listing(client, overdue="1")
    assert late.title in html
    assert on_time.title not in html and answered_late.title not in html

    html = listing(client, status="answered")
    assert answered_late.title in html and late.title not in html

    # The menu links to the queue and to its overdue part; the dashboard lists and counts them.
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert '"name": "hoi-dap-qua-han"' in home and "/admin/hoi-dap/?overdue=1" in home  # the sidebar
    assert 'id="tincoso-inquiries-section"' in home
    assert late.title in home and on_time.title in home and answered_late.title not in home


@pytest.mark.django_db
def test_dashboard_counts_are_the_users_own(client, commune, other_commune, editor):
    make_inquiry(commune, "Một", received_days_ago=20, deadline_in_days=14)
    make_inquiry(commune, "Hai")
    make_inquiry(other_commune, "Của xã khác", received_days_ago=20, deadline_in_days=14)
    client.force_login(editor)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "<strong>2</strong> đang chờ xử lý" in home
    assert "<strong>1</strong> quá hạn" in home
    assert "Của xã khác" not in home


@pytest.mark.django_db
def test_users_without_units_see_no_queue(client, commune):
    make_inquiry(commune, "Không ai ngoài xã thấy")
    outsider = get_user_model().objects.create_user("nguoingoai", password=PASSWORD)
    outsider.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "view_inquiry", "change_inquiry"])
    )
    client.force_login(outsider)
    assert "Không ai ngoài xã thấy" not in listing(client)
    assert "/admin/hoi-dap/" not in client.get(reverse("wagtailadmin_home")).content.decode()


# --- Answering, publishing, validation ---------------------------------------------------------------


@pytest.mark.django_db
def test_editor_answers_publishes_and_the_citizen_is_emailed(
    client, settings, commune, editor, django_capture_on_commit_callbacks
):
    settings.TASKS_SYNC = True
    inquiry = make_inquiry(commune, "Thủ tục đăng ký khai sinh")
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("edit", inquiry.pk),
            handling_data(
                inquiry,
                ["Anh chị mang giấy chứng sinh đến bộ phận một cửa.", "Thời hạn giải quyết: trong ngày."],
                is_public="on",
            ),
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    inquiry.refresh_from_db()
    assert inquiry.status == Status.ANSWERED
    assert inquiry.answered_at is not None and inquiry.answered_by == editor
    assert "giấy chứng sinh" in inquiry.answer and inquiry.is_public
    actions = list(inquiry.events.values_list("action", flat=True))
    assert EventAction.ANSWERED in actions and EventAction.PUBLISHED in actions
    assert inquiry.events.get(action=EventAction.ANSWERED).actor == editor
    # Published although a commune editor has no publish permission on pages: the queue's page is the queue's.
    assert inquiry.events.get(action=EventAction.PUBLISHED).actor == editor
    # Wagtail's own audit log has the edit too.
    assert ModelLogEntry.objects.filter(object_id=str(inquiry.pk), action="wagtail.edit", user=editor).exists()

    # The public page: live, under the commune's "Hỏi đáp", showing the answer on the commune's site.
    page = AnsweredQuestionPage.objects.get(pk=inquiry.public_page_id)
    index = QuestionIndexPage.objects.child_of(commune).get()
    assert page.live and page.get_parent().pk == index.pk and index.slug == "hoi-dap"
    public = client.get(public_path(page), HTTP_HOST=host_of(commune))
    assert public.status_code == 200
    assert "Anh chị mang giấy chứng sinh đến bộ phận một cửa." in public.content.decode()
    assert "0912345678" not in public.content.decode()

    # The citizen's e-mail: the code and the answer.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ba@example.vn"]
    assert inquiry.display_code in message.subject + message.body
    assert "Anh chị mang giấy chứng sinh đến bộ phận một cửa." in message.body

    # Unticking "công khai" withdraws the page; saving again sends no second e-mail.
    withdrawn = public.wsgi_request.path
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("edit", inquiry.pk),
            handling_data(
                inquiry,
                ["Anh chị mang giấy chứng sinh đến bộ phận một cửa.", "Thời hạn giải quyết: trong ngày."],
                is_public=None,
            ),
        )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    page.refresh_from_db()
    assert not inquiry.is_public and not page.live
    assert EventAction.UNPUBLISHED in inquiry.events.values_list("action", flat=True)
    assert client.get(withdrawn, HTTP_HOST=host_of(commune)).status_code == 404
    assert len(mail.outbox) == 1
    assert inquiry.events.filter(action=EventAction.ANSWERED).count() == 1


@pytest.mark.django_db
def test_validation_errors_are_in_vietnamese_and_lose_nothing(client, commune, editor):
    inquiry = make_inquiry(
        commune,
        "Hỏi về trợ cấp người cao tuổi",
        status=Status.ANSWERED,
        answer="<p>Trả lời đã lưu trước đó.</p>",
        answered_at=timezone.now(),
    )
    client.force_login(editor)

    def post(**overrides):
        answer = overrides.pop("answer", ["Bản nháp mới đang gõ dở."])
        response = client.post(url("edit", inquiry.pk), handling_data(inquiry, answer, **overrides))
        assert response.status_code == 200, "an invalid form must be shown again, not saved"
        return response

    response = post(status="rejected", reject_reason="")
    html = response.content.decode()
    assert "Cần ghi lý do từ chối." in html
    # What was typed is shown again.
    form = response.context["form"]
    assert "Bản nháp mới đang gõ dở." in form["answer"].value()
    assert form["status"].value() == "rejected"

    html = post(status="closed", answer=[""]).content.decode()
    assert "Cần có nội dung trả lời" in html

    html = post(status="rejected", reject_reason="Không thuộc thẩm quyền.", is_public="on").content.decode()
    assert "Không công khai câu hỏi, phản ánh đã bị từ chối." in html

    html = post(answer=[""], status="received", is_public="on").content.decode()
    assert "Chỉ công khai được khi đã có nội dung trả lời." in html

    too_early = (timezone.localdate(inquiry.received_at) - datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    html = post(deadline=too_early).content.decode()
    assert "Hạn trả lời không được trước ngày tiếp nhận" in html

    # Nothing of it reached the database.
    inquiry.refresh_from_db()
    assert inquiry.answer == "<p>Trả lời đã lưu trước đó.</p>"
    assert inquiry.status == Status.ANSWERED and not inquiry.is_public and inquiry.public_page_id is None

    # Rejecting with a reason is saved and logged.
    response = client.post(
        url("edit", inquiry.pk),
        handling_data(inquiry, ["Trả lời đã lưu trước đó."], status="rejected", reject_reason="Nội dung trùng lặp."),
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == Status.REJECTED and inquiry.closed_at is not None
    assert inquiry.events.get(action=EventAction.REJECTED).note == "Nội dung trùng lặp."


@pytest.mark.django_db
def test_assigned_to_offers_only_the_handling_units_people(client, commune, other_commune, editor):
    moderator = staff(commune, "moderators", "kiemduyet_an_truong")
    staff(commune, "editors", "da_nghi_viec", is_active=False)
    outsider = staff(other_commune, "editors", "bientap_dong_hai")
    inquiry = make_inquiry(commune)
    client.force_login(editor)

    form = client.get(url("edit", inquiry.pk)).context["form"]
    assert set(form.fields["assigned_to"].queryset) == {editor, moderator}
    assert "Trần Thị Lan" in [label for _value, label in form.fields["assigned_to"].choices]

    response = client.post(url("edit", inquiry.pk), handling_data(inquiry, assigned_to=outsider.pk))
    assert response.status_code == 200 and response.context["form"].errors.get("assigned_to")

    response = client.post(url("edit", inquiry.pk), handling_data(inquiry, assigned_to=moderator.pk))
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.assigned_to == moderator and inquiry.status == Status.ASSIGNED
    event = inquiry.events.get(action=EventAction.ASSIGNED)
    assert event.actor == editor and event.note == "kiemduyet_an_truong"
    assert "kiemduyet_an_truong" in listing(client)  # the "cán bộ xử lý" column


# --- Transfer and take-up ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_district_editor_transfers_to_another_commune_of_the_district(
    client, commune, neighbour, other_commune, editor, district_editor
):
    inquiry = make_inquiry(commune, "Phản ánh lấn chiếm lòng đường", kind="phan_anh")
    client.force_login(district_editor)
    edit = client.get(url("edit", inquiry.pk)).content.decode()
    assert "Chuyển xã khác" in edit and url("transfer", inquiry.pk) in edit

    form = client.get(url("transfer", inquiry.pk))
    assert form.status_code == 200
    targets = set(form.context["form"].fields["commune"].queryset)
    assert neighbour in targets and commune not in targets and other_commune not in targets
    # A commune outside the district is refused.
    refused = client.post(url("transfer", inquiry.pk), {"commune": other_commune.pk, "note": "", "confirm": "1"})
    assert refused.status_code == 200 and refused.context["form"].errors
    # First the confirmation, then the transfer.
    confirm = client.post(url("transfer", inquiry.pk), {"commune": neighbour.pk, "note": "Đúng địa bàn xã bạn."})
    assert confirm.status_code == 200 and "Xác nhận chuyển" in confirm.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.commune == commune
    done = client.post(
        url("transfer", inquiry.pk), {"commune": neighbour.pk, "note": "Đúng địa bàn xã bạn.", "confirm": "1"}
    )
    assert done.status_code == 302
    assert "sang " + neighbour.title in client.get(done["Location"]).content.decode()  # the message, read
    inquiry.refresh_from_db()
    assert inquiry.commune == neighbour
    event = inquiry.events.get(action=EventAction.TRANSFERRED)
    assert event.actor == district_editor and "Đúng địa bàn xã bạn." in event.note
    assert ModelLogEntry.objects.filter(object_id=str(inquiry.pk), action=LOG_TRANSFER).exists()

    # The old commune lost it, the new one has it.
    client.force_login(editor)
    assert inquiry.title not in listing(client)
    assert client.get(url("edit", inquiry.pk)).status_code == 404
    client.force_login(staff(neighbour))
    assert inquiry.title in listing(client)
    assert client.get(url("edit", inquiry.pk)).status_code == 200


@pytest.mark.django_db
def test_district_takes_up_and_the_commune_can_only_look(client, commune, district, editor, district_editor, photo_of):
    inquiry = make_inquiry(commune, "Tranh chấp đất giữa hai xã")
    photo = photo_of(inquiry)
    client.force_login(district_editor)
    page = client.get(url("take_up", inquiry.pk))
    assert page.status_code == 200
    assert list(page.context["form"].fields["area"].queryset) == [district]
    data = {"area": district.pk, "note": "Liên quan hai xã"}
    assert client.post(url("take_up", inquiry.pk), data).status_code == 200  # the confirmation
    response = client.post(url("take_up", inquiry.pk), {**data, "confirm": "1"})
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.taken_up_by_id == district.pk
    assert inquiry.events.filter(action=EventAction.TAKEN_UP, actor=district_editor).exists()
    assert ModelLogEntry.objects.filter(object_id=str(inquiry.pk), action=LOG_TAKE_UP).exists()
    # The district handles it now: its people are the ones to assign.
    form = client.get(url("edit", inquiry.pk)).context["form"]
    assert set(form.fields["assigned_to"].queryset) == {district_editor}

    client.force_login(editor)
    html = listing(client)
    assert inquiry.title in html
    assert url("inspect", inquiry.pk) in html and url("edit", inquiry.pk) not in html
    assert client.get(url("inspect", inquiry.pk)).status_code == 200
    assert client.get(url("photo", photo.pk)).status_code == 200
    for name in ["edit", "history", "delete", "transfer", "take_up"]:
        assert client.get(url(name, inquiry.pk)).status_code == 403, name
    assert client.post(url("edit", inquiry.pk), handling_data(inquiry, ["Xã trả lời thay"])).status_code == 403
    inquiry.refresh_from_db()
    assert inquiry.answer == ""


@pytest.mark.django_db
def test_commune_editor_has_no_transfer_or_take_up(client, commune, neighbour, editor):
    inquiry = make_inquiry(commune)
    client.force_login(editor)
    edit = client.get(url("edit", inquiry.pk)).content.decode()
    assert "Chuyển xã khác" not in edit and "Cấp trên tiếp nhận xử lý" not in edit
    assert client.get(url("transfer", inquiry.pk)).status_code == 403
    assert client.post(url("transfer", inquiry.pk), {"commune": neighbour.pk, "confirm": "1"}).status_code == 403
    assert client.get(url("take_up", inquiry.pk)).status_code == 403
    inquiry.refresh_from_db()
    assert inquiry.commune == commune and inquiry.taken_up_by is None


# --- Deleting, provisioning ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_moderators_delete_and_the_public_page_goes_with_it(
    client, commune, editor, django_capture_on_commit_callbacks
):
    moderator = staff(commune, "moderators")
    inquiry = make_inquiry(commune, "Câu hỏi sẽ bị xóa")
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("edit", inquiry.pk), handling_data(inquiry, ["Trả lời."], is_public="on"))
    inquiry.refresh_from_db()
    page = inquiry.public_page
    assert page.live

    client.force_login(editor)
    assert client.get(url("delete", inquiry.pk)).status_code == 403
    client.force_login(moderator)
    assert client.get(url("delete", inquiry.pk)).status_code == 200
    assert client.post(url("delete", inquiry.pk)).status_code == 302
    assert not Inquiry.objects.filter(pk=inquiry.pk).exists()
    page.refresh_from_db()
    assert not page.live


@pytest.mark.django_db
def test_provisioning_grants_the_queue_permissions_and_restores_them(commune, district):
    def codenames(group):
        return set(group.permissions.filter(content_type__app_label="inquiries").values_list("codename", flat=True))

    for unit in (commune, district):
        assert codenames(unit.editors_group) == {"view_inquiry", "change_inquiry", "add_inquiry"}
        assert codenames(unit.moderators_group) == {"view_inquiry", "change_inquiry", "delete_inquiry", "add_inquiry"}
    # An installation provisioned before the queue existed gets them on the next run.
    queue_perms = Permission.objects.filter(
        content_type__app_label="inquiries", codename__in=["view_inquiry", "change_inquiry"]
    )
    commune.editors_group.permissions.remove(*queue_perms)
    call_command("provision", structure="2024", province=["Trà Vinh"], no_progress=True, stdout=io.StringIO())
    assert codenames(commune.editors_group) == {"view_inquiry", "change_inquiry", "add_inquiry"}


@pytest.mark.django_db
def test_transferring_a_published_answer_moves_its_page(
    client, commune, neighbour, editor, district_editor, django_capture_on_commit_callbacks
):
    inquiry = make_inquiry(commune, "Hỏi về lịch thu gom rác")
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("edit", inquiry.pk), handling_data(inquiry, ["Thứ ba và thứ sáu hằng tuần."], is_public="on"))
    inquiry.refresh_from_db()
    assert inquiry.public_page.live
    client.force_login(district_editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("transfer", inquiry.pk), {"commune": neighbour.pk, "note": "", "confirm": "1"})
    assert response.status_code == 302
    page = AnsweredQuestionPage.objects.get(pk=inquiry.public_page_id)
    assert page.live and page.get_parent().pk == QuestionIndexPage.objects.child_of(neighbour).get().pk
    assert neighbour.short_name in page.answered_by_unit
    public = client.get(public_path(page), HTTP_HOST=host_of(neighbour))
    assert public.status_code == 200 and "Thứ ba và thứ sáu hằng tuần." in public.content.decode()
