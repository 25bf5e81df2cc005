"""Directives down, reports up (issue 19): a district or the province sends a directive or a
report request to chosen communes or departments; each acknowledges and answers with text and
files; the sender tracks them; reminders go by e-mail before the deadline, once each. Bad input is
refused in Vietnamese with nothing saved; another unit's directive is a 404 on every URL."""

import csv
import datetime
import io
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from areas.models import CommuneHomePage, Department
from core.periods import Period
from directives import tasks
from directives.models import AnswerFile, Directive, DirectiveFile, DirectiveRecipient, Reminder
from indicators.compute import compute
from indicators.report import commune_table
from tests.directives import helpers


@pytest.fixture(autouse=True)
def _sync(settings, monkeypatch):
    """The worker's tasks inline, run when the view's transaction would commit."""
    from django.db import transaction

    settings.TASKS_SYNC = True
    settings.DIRECTIVES_REMINDER_HOURS = (72, 24)
    monkeypatch.setattr(transaction, "on_commit", lambda fn, using=None, robust=False: fn())


@pytest.fixture
def neighbour(commune):
    """Another commune of Càng Long (the district of An Trường)."""
    return CommuneHomePage.objects.filter(path__startswith=commune.area.path).exclude(pk=commune.pk).order_by("path")[0]


@pytest.fixture
def officer(district):
    return helpers.staff(district, "cb_cang_long")


@pytest.fixture
def editor(commune):
    return helpers.staff(commune, "bt_an_truong")


@pytest.fixture
def neighbour_editor(neighbour):
    return helpers.staff(neighbour, "bt_lang_gieng")


@pytest.fixture
def foreign_editor(other_commune):
    return helpers.staff(other_commune, "bt_dong_hai")


def deadline_in(**delta):
    return (timezone.localtime(timezone.now() + datetime.timedelta(**delta))).strftime("%Y-%m-%dT%H:%M")


def compose(district, communes=(), action="send", files=None, **fields):
    data = {
        "sender": district.pk,
        "kind": "chi_dao",
        "number": "125/UBND-VHTT",
        "issued_on": timezone.localdate().isoformat(),
        "title": "Về việc tuyên truyền phòng chống sốt xuất huyết",
        "body": "Đề nghị UBND các xã tăng cường tuyên truyền trên hệ thống loa.",
        "period_key": "",
        "deadline": deadline_in(days=10),
        "communes": [c.pk for c in communes],
        "action": action,
        **fields,
    }
    if files:
        data["files"] = files
    return data


def send(client, officer, district, communes, **fields):
    client.force_login(officer)
    response = client.post(reverse("directives_compose"), compose(district, communes, **fields))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert client.get(response.url).status_code == 200  # the tracking page, which shows the message
    return Directive.objects.latest("pk")


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


# --- Sending -------------------------------------------------------------------------------------


def test_a_district_sends_a_directive_with_a_file_to_two_communes_and_their_staff_are_mailed(
    client, officer, district, commune, neighbour, editor, neighbour_editor, foreign_editor
):
    directive = send(
        client, officer, district, [commune, neighbour], files=[upload("ke-hoach.pdf", helpers.pdf("Kế hoạch"))]
    )
    assert directive.is_sent and directive.sender_id == district.pk and directive.sent_by == officer
    assert {r.commune_id for r in directive.recipients.all()} == {commune.pk, neighbour.pk}
    stored = DirectiveFile.objects.get(directive=directive)
    assert stored.kind == "PDF" and stored.name == "ke-hoach.pdf"
    assert stored.file.read().startswith(b"%PDF-")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([editor.email, neighbour_editor.email])
    message = next(m for m in mail.outbox if m.to == [editor.email])
    recipient = directive.recipients.get(commune=commune)
    assert directive.title in message.subject
    assert "an-truong.cang-long.tra-vinh" in message.body
    assert reverse("directives_received", args=[recipient.pk]) in message.body


def test_a_draft_is_not_sent_nor_seen_by_the_communes(client, officer, district, commune, editor):
    directive = send(client, officer, district, [commune], action="draft")
    assert directive.sent_at is None and mail.outbox == []
    recipient = directive.recipients.get()
    client.force_login(editor)
    assert client.get(reverse("directives_received", args=[recipient.pk])).status_code == 404
    assert "Về việc tuyên truyền" not in client.get(reverse("directives_inbox")).content.decode()
    # The officer edits the draft and sends it.
    client.force_login(officer)
    response = client.post(reverse("directives_edit", args=[directive.pk]), compose(district, [commune]))
    assert response.status_code == 302
    directive.refresh_from_db()
    assert directive.is_sent and [m.to for m in mail.outbox] == [[editor.email]]
    assert client.get(reverse("directives_edit", args=[directive.pk])).status_code == 404  # sent: no edit


def test_a_commune_outside_the_district_is_refused_and_nothing_is_saved(
    client, officer, district, commune, other_commune
):
    client.force_login(officer)
    response = client.post(reverse("directives_compose"), compose(district, [commune, other_commune]))
    assert response.status_code == 400
    assert "không thuộc địa bàn" in response.content.decode()
    assert not Directive.objects.exists() and not DirectiveRecipient.objects.exists() and mail.outbox == []


def test_a_superuser_sending_for_a_district_to_another_districts_commune_is_told_which(
    client, district, commune, other_commune
):
    admin = get_user_model().objects.create_superuser("quan_tri", "qt@example.vn", helpers.PASSWORD)
    client.force_login(admin)
    response = client.post(reverse("directives_compose"), compose(district, [commune, other_commune]))
    assert response.status_code == 400
    text = response.content.decode()
    assert f"Nơi nhận ngoài địa bàn {district.title}" in text and other_commune.title in text
    assert not Directive.objects.exists()


def test_whole_area_reaches_every_commune_of_the_district(client, officer, district):
    directive = send(client, officer, district, [], whole_area="on")
    communes = CommuneHomePage.objects.filter(path__startswith=district.path)
    assert directive.recipients.count() == communes.count() > 1


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"communes": []}, "Chọn ít nhất một nơi nhận"),
        ({"title": ""}, "Nhập trích yếu"),
        ({"deadline": deadline_in(hours=-1)}, "Hạn trả lời phải sau thời điểm gửi"),
        ({"kind": "bao_cao", "period_key": ""}, "Yêu cầu báo cáo cần kỳ báo cáo"),
        ({"kind": "bao_cao", "period_key": "2026-13"}, "không hợp lệ"),
    ],
)
def test_bad_compositions_are_refused_in_vietnamese(client, officer, district, commune, fields, words):
    client.force_login(officer)
    data = compose(district, [commune])
    data.update(fields)
    response = client.post(reverse("directives_compose"), data)
    assert response.status_code == 400 and words in response.content.decode()
    assert not Directive.objects.exists()


def test_a_renamed_program_is_refused_as_an_attachment(client, officer, district, commune):
    client.force_login(officer)
    data = compose(district, [commune], files=[upload("ke-hoach.pdf", helpers.exe())])
    response = client.post(reverse("directives_compose"), data)
    assert response.status_code == 400 and "không phải tệp được nhận" in response.content.decode()
    assert not Directive.objects.exists() and not DirectiveFile.objects.exists()


def test_a_commune_editor_cannot_send(client, editor):
    client.force_login(editor)
    response = client.get(reverse("directives_compose"))
    assert response.status_code == 403 and "tỉnh hoặc huyện" in response.content.decode()


# --- Receiving, acknowledging, answering --------------------------------------------------------


def test_a_commune_sees_acknowledges_and_answers_with_a_file_and_the_district_tracks_it(
    client, officer, district, commune, neighbour, editor
):
    directive = send(client, officer, district, [commune, neighbour])
    recipient = directive.recipients.get(commune=commune)
    client.force_login(editor)
    inbox = client.get(reverse("directives_inbox")).content.decode()
    assert directive.title in inbox
    url = reverse("directives_received", args=[recipient.pk])
    assert client.get(url).status_code == 200
    recipient.refresh_from_db()
    assert recipient.seen_by == editor and recipient.state == "seen"
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    recipient.refresh_from_db()
    assert recipient.acknowledged_by == editor and recipient.answered_at is None
    response = client.post(
        url,
        {"action": "answer", "answer": "Đã phát 12 lượt trên loa.", "files": [upload("bao-cao.docx", helpers.docx())]},
    )
    assert response.status_code == 302
    recipient.refresh_from_db()
    assert recipient.state == "answered" and recipient.answered_by == editor and not recipient.late
    answer_file = AnswerFile.objects.get(recipient=recipient)
    assert answer_file.kind == "DOCX"
    # The district sees one answered, one not, and can read the answer's file.
    client.force_login(officer)
    detail = client.get(reverse("directives_detail", args=[directive.pk])).content.decode()
    assert "<strong>1/2</strong> đã trả lời" in detail
    assert "Đã phát 12 lượt trên loa." in detail and 'data-state="new"' in detail
    assert '<rect x="0.0" y="0" width="300.0"' in detail  # half the bar answered (not "300,0")
    file_response = client.get(reverse("directives_answer_file", args=[answer_file.pk]))
    assert file_response.status_code == 200 and b"word/document.xml" in b"".join(file_response.streaming_content)
    assert file_response["Content-Disposition"].startswith("attachment")


def test_an_empty_answer_or_a_bad_file_is_refused_and_nothing_saved(client, officer, district, commune, editor):
    directive = send(client, officer, district, [commune])
    recipient = directive.recipients.get()
    client.force_login(editor)
    url = reverse("directives_received", args=[recipient.pk])
    response = client.post(url, {"action": "answer", "answer": "   "})
    assert response.status_code == 400 and "không được để trống" in response.content.decode()
    response = client.post(
        url, {"action": "answer", "answer": "Báo cáo kèm theo.", "files": [upload("bao-cao.pdf", helpers.exe())]}
    )
    assert response.status_code == 400 and "theo nội dung tệp" in response.content.decode()
    recipient.refresh_from_db()
    assert recipient.answered_at is None and recipient.answer == "" and not AnswerFile.objects.exists()


def test_a_second_answer_replaces_the_text_and_keeps_the_first_files(client, officer, district, commune, editor):
    directive = send(client, officer, district, [commune])
    recipient = directive.recipients.get()
    client.force_login(editor)
    url = reverse("directives_received", args=[recipient.pk])
    client.post(url, {"action": "answer", "answer": "Lần một.", "files": [upload("so-lieu.xlsx", helpers.xlsx())]})
    client.post(url, {"action": "answer", "answer": "Lần hai, bổ sung.", "files": [upload("anh.png", helpers.png())]})
    recipient.refresh_from_db()
    assert recipient.answer == "Lần hai, bổ sung."
    assert sorted(f.kind for f in recipient.files.all()) == ["PNG", "XLSX"]


def report_request(client, officer, district, communes, **fields):
    return send(client, officer, district, communes, kind="bao_cao", period_key="2026", **fields)


def test_a_report_after_its_deadline_is_refused_until_the_deadline_is_extended(
    client, officer, district, commune, editor
):
    directive = report_request(client, officer, district, [commune])
    assert directive.period.label == "Năm 2026"
    Directive.objects.filter(pk=directive.pk).update(deadline=timezone.now() - datetime.timedelta(hours=1))
    recipient = directive.recipients.get()
    client.force_login(editor)
    url = reverse("directives_received", args=[recipient.pk])
    assert "báo cáo sau hạn không được nhận" in client.get(url).content.decode()
    response = client.post(
        url, {"action": "answer", "answer": "Báo cáo muộn.", "files": [upload("bc.pdf", helpers.pdf())]}
    )
    assert response.status_code == 400 and "Đã quá hạn trả lời" in response.content.decode()
    recipient.refresh_from_db()
    assert recipient.answered_at is None and not AnswerFile.objects.exists()
    # The district extends the deadline; the report goes in.
    client.force_login(officer)
    refused = client.post(reverse("directives_extend", args=[directive.pk]), {"deadline": deadline_in(hours=-2)})
    assert refused.status_code == 400 and "Hạn mới phải sau" in refused.content.decode()
    response = client.post(reverse("directives_extend", args=[directive.pk]), {"deadline": deadline_in(days=2)})
    assert response.status_code == 302
    client.force_login(editor)
    assert client.post(url, {"action": "answer", "answer": "Báo cáo năm 2026."}).status_code == 302
    recipient.refresh_from_db()
    assert recipient.answered_at is not None and not recipient.late


def test_a_plain_directive_takes_a_late_answer_and_marks_it_late(client, officer, district, commune, editor):
    directive = send(client, officer, district, [commune])
    Directive.objects.filter(pk=directive.pk).update(deadline=timezone.now() - datetime.timedelta(hours=1))
    recipient = directive.recipients.get()
    client.force_login(editor)
    response = client.post(reverse("directives_received", args=[recipient.pk]), {"action": "answer", "answer": "Muộn."})
    assert response.status_code == 302
    recipient.refresh_from_db()
    assert recipient.late and recipient.state == "answered"


# --- Scoping ------------------------------------------------------------------------------------


def test_another_communes_directive_is_a_404_on_every_url(
    client, officer, district, commune, editor, neighbour_editor, foreign_editor
):
    directive = send(client, officer, district, [commune], files=[upload("kh.pdf", helpers.pdf())])
    recipient = directive.recipients.get()
    client.force_login(editor)
    client.post(
        reverse("directives_received", args=[recipient.pk]),
        {"action": "answer", "answer": "Đã làm.", "files": [upload("bc.pdf", helpers.pdf())]},
    )
    answer_file = AnswerFile.objects.get()
    own = [
        reverse("directives_received", args=[recipient.pk]),
        reverse("directives_file", args=[directive.files.get().pk]),
        reverse("directives_answer_file", args=[answer_file.pk]),
    ]
    for url in own:
        assert client.get(url).status_code == 200, url
    sender_urls = [
        reverse(name, args=[directive.pk]) for name in ("directives_detail", "directives_aggregate", "directives_edit")
    ]
    for user in (neighbour_editor, foreign_editor):
        client.force_login(user)
        for url in own + sender_urls:
            assert client.get(url).status_code == 404, (user, url)
        for name in ("directives_remind", "directives_extend", "directives_delete"):
            assert client.post(reverse(name, args=[directive.pk])).status_code == 404
        assert client.post(own[0], {"action": "answer", "answer": "Giả mạo."}).status_code == 404
        assert directive.title not in client.get(reverse("directives_inbox")).content.decode()
    # The commune editor sees nothing of the sender's side either.
    client.force_login(editor)
    for url in sender_urls:
        assert client.get(url).status_code == 404


def test_another_districts_staff_and_the_province(client, officer, district, commune, other_commune, province):
    directive = send(client, officer, district, [commune])
    # A superuser may open a commune's copy; that is not the commune having seen it.
    admin = get_user_model().objects.create_superuser("quan_tri", "qt@example.vn", helpers.PASSWORD)
    client.force_login(admin)
    recipient = directive.recipients.get()
    assert client.get(reverse("directives_received", args=[recipient.pk])).status_code == 200
    recipient.refresh_from_db()
    assert recipient.seen_at is None
    other_officer = helpers.staff(other_commune.area, "cb_duyen_hai")
    client.force_login(other_officer)
    assert client.get(reverse("directives_detail", args=[directive.pk])).status_code == 404
    assert directive.title not in client.get(reverse("directives_sent")).content.decode()
    # The province's staff see what a district inside it sent.
    client.force_login(helpers.staff(province, "cb_tinh"))
    assert client.get(reverse("directives_detail", args=[directive.pk])).status_code == 200


def test_a_department_receives_and_answers_only_its_own(client, province, commune, editor):
    group = Group.objects.create(name="Sở Y tế – biên tập")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    department = Department.objects.create(area=province, name="Sở Y tế", code="so-y-te", editors_group=group)
    staff = get_user_model().objects.create_user("so_y_te", "syt@example.vn", helpers.PASSWORD)
    staff.groups.add(group)
    officer = helpers.staff(province, "cb_tinh")
    client.force_login(officer)
    data = compose(province, [commune])
    data["departments"] = [department.pk]
    data["sender"] = province.pk
    assert client.post(reverse("directives_compose"), data).status_code == 302
    directive = Directive.objects.get()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([editor.email, staff.email])
    mine = directive.recipients.get(department=department)
    theirs = directive.recipients.get(commune=commune)
    client.force_login(staff)
    assert client.get(reverse("directives_received", args=[theirs.pk])).status_code == 404
    url = reverse("directives_received", args=[mine.pk])
    assert client.post(url, {"action": "answer", "answer": "Sở Y tế đã triển khai."}).status_code == 302
    mine.refresh_from_db()
    assert mine.answered_by == staff
    client.force_login(editor)
    assert client.get(url).status_code == 404


def test_the_inbox_menu_counts_what_is_unanswered(client, officer, district, commune, editor):
    send(client, officer, district, [commune])
    client.force_login(editor)
    recipient = DirectiveRecipient.objects.get()

    def labels():
        page = client.get(reverse("wagtailadmin_home")).content.decode()
        props = re.search(r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', page, re.S)
        found = []

        def walk(value):  # the sidebar's menu, packed by telepath: every dict with a label
            if isinstance(value, dict):
                found.extend([value["label"]] if isinstance(value.get("label"), str) else [])
                for item in value.values():
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(json.loads(props[1]))
        return found

    assert "Văn bản đến (1)" in labels() and "Đã gửi" not in labels()
    client.post(reverse("directives_received", args=[recipient.pk]), {"action": "answer", "answer": "Xong."})
    assert "Văn bản đến" in labels() and "Văn bản đến (1)" not in labels()
    client.force_login(officer)  # a district's staff send; they have no inbox
    assert "Đã gửi" in labels() and not any(label.startswith("Văn bản đến") for label in labels())


# --- Reminders ----------------------------------------------------------------------------------


def test_reminders_go_once_per_threshold_to_those_who_have_not_answered(
    client, officer, district, commune, neighbour, editor, neighbour_editor
):
    directive = send(client, officer, district, [commune, neighbour])
    deadline = timezone.now() + datetime.timedelta(days=5)
    Directive.objects.filter(pk=directive.pk).update(deadline=deadline)
    client.force_login(neighbour_editor)
    answered = directive.recipients.get(commune=neighbour)
    client.post(reverse("directives_received", args=[answered.pk]), {"action": "answer", "answer": "Xong."})
    mail.outbox.clear()

    assert tasks.send_reminders(now=deadline - datetime.timedelta(hours=80)) == 0  # too early
    assert tasks.send_reminders(now=deadline - datetime.timedelta(hours=71)) == 1
    assert [m.to for m in mail.outbox] == [[editor.email]]
    assert "Nhắc hạn" in mail.outbox[0].subject and "còn khoảng 2 ngày" in mail.outbox[0].body
    assert tasks.send_reminders(now=deadline - datetime.timedelta(hours=70)) == 0  # once
    assert tasks.send_reminders(now=deadline - datetime.timedelta(hours=23)) == 1  # the day before
    assert tasks.send_reminders(now=deadline - datetime.timedelta(hours=2)) == 0
    assert tasks.send_reminders(now=deadline + datetime.timedelta(hours=1)) == 0  # past the deadline
    assert Reminder.objects.filter(hours_before__isnull=False).count() == 2
    # An extended deadline gets its own reminders.
    new_deadline = deadline + datetime.timedelta(days=3)
    Directive.objects.filter(pk=directive.pk).update(deadline=new_deadline)
    assert tasks.send_reminders(now=new_deadline - datetime.timedelta(hours=20)) == 1  # both due: one e-mail
    assert tasks.send_reminders(now=new_deadline - datetime.timedelta(hours=19)) == 0
    assert len(mail.outbox) == 3


def test_the_sender_reminds_now(client, officer, district, commune, editor):
    directive = send(client, officer, district, [commune])
    mail.outbox.clear()
    response = client.post(reverse("directives_remind", args=[directive.pk]))
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[editor.email]] and "nhắc" in mail.outbox[0].body
    assert Reminder.objects.get().sent_by == officer


# --- Aggregate with the indicators --------------------------------------------------------------


def test_the_aggregate_shows_answers_beside_the_indicators_and_exports_csv(
    client, officer, district, commune, neighbour, editor
):
    directive = report_request(
        client, officer, district, [commune, neighbour], title="Báo cáo năm 2026 về thông tin cơ sở"
    )
    recipient = directive.recipients.get(commune=commune)
    client.force_login(editor)
    client.post(
        reverse("directives_received", args=[recipient.pk]),
        {"action": "answer", "answer": "Năm 2026 xã đăng 48 tin.", "files": [upload("bc.odt", helpers.odt())]},
    )
    client.force_login(officer)
    page = client.get(reverse("directives_aggregate", args=[directive.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Năm 2026 xã đăng 48 tin." in text and "<strong>1/2</strong> xã đã báo cáo" in text
    # The indicators of each commune, as the indicators app computes and presents them.
    table = commune_table(compute(district, Period.year(2026), trend=False))
    assert all(f'<th scope="col">{heading}</th>' in text for heading in table["headings"])
    response = client.get(reverse("directives_aggregate", args=[directive.pk]), {"dinh_dang": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    header = next(csv.reader(lines[:1]))
    assert header[:4] == ["Mã", "Nơi nhận", "Thuộc", "Tình trạng"]
    assert header[8:] == table["headings"]
    rows = {row[0]: row for row in csv.reader(lines[1:])}
    cells = next(r["cells"] for r in table["rows"] if r["code"] == commune.code)
    assert rows[commune.code][1:4] == [commune.title, "", "Đã trả lời"]  # the sender's own district: no "Thuộc"
    assert rows[commune.code][6:8] == ["Năm 2026 xã đăng 48 tin.", "bc.odt"]
    assert rows[commune.code][8:] == [str(cell) for cell in cells]
    assert rows[neighbour.code][3] == "Chưa xem" and rows[neighbour.code][6] == ""
    assert client.get(reverse("directives_aggregate", args=[directive.pk]), {"dinh_dang": "xls"}).status_code == 400
    pdf = client.get(reverse("directives_aggregate", args=[directive.pk]), {"dinh_dang": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    from pypdf import PdfReader

    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Tổng hợp báo cáo" in words and "48 tin" in words


def test_a_draft_is_deleted_with_its_files_and_a_sent_directive_is_kept(client, officer, district, commune):
    draft = send(client, officer, district, [commune], action="draft", files=[upload("kh.pdf", helpers.pdf())])
    stored = draft.files.get().file
    assert stored.storage.exists(stored.name)
    with pytest.raises(ValueError):
        stored.storage.url(stored.name)  # private storage: no public address
    assert client.post(reverse("directives_delete", args=[draft.pk])).status_code == 302
    assert not Directive.objects.filter(pk=draft.pk).exists() and not stored.storage.exists(stored.name)
    sent = send(client, officer, district, [commune])
    client.post(reverse("directives_delete", args=[sent.pk]))
    assert Directive.objects.filter(pk=sent.pk).exists()
    assert client.get(reverse("directives_remind", args=[sent.pk])).status_code == 405  # a POST only
