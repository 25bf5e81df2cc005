"""Absurd input is a 4xx with a Vietnamese message, never a 500, and nothing is half-saved, not
even a file in the private storage (review of issue 19's directives)."""

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from directives import files, tasks
from directives.models import AnswerFile, Directive, DirectiveFile, DirectiveRecipient
from inquiries.models import private_storage
from tests.directives import helpers
from tests.directives.test_directives import _sync, compose, deadline_in, send, upload  # noqa: F401 (fixture)

ABSURD = "9" * 25  # overflows a 64-bit integer: SQLite raises if it reaches a query


@pytest.fixture
def officer(district):
    return helpers.staff(district, "cb_cang_long")


@pytest.fixture
def editor(commune):
    return helpers.staff(commune, "bt_an_truong")


def stored_files():
    root = Path(private_storage().location) / "directives"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"sender": ABSURD}, "không gửi văn bản thay đơn vị này"),
        ({"communes": [ABSURD]}, "không thuộc địa bàn"),
        ({"departments": [ABSURD]}, "không thuộc địa bàn"),
        ({"deadline": "0001-01-01T00:00", "action": "draft"}, "Hạn trả lời không hợp lệ"),
        ({"deadline": "9999-12-31T23:59"}, "Hạn trả lời không hợp lệ"),
        ({"body": "a" * 50_001}, "tối đa 50.000 ký tự"),
    ],
)
def test_absurd_compositions_are_a_400_in_vietnamese(client, officer, district, commune, fields, words):
    client.raise_request_exception = False
    client.force_login(officer)
    data = compose(district, [commune])
    data.update(fields)
    response = client.post(reverse("directives_compose"), data)
    assert response.status_code == 400 and words in response.content.decode()
    assert not Directive.objects.exists()


def test_an_absurd_new_deadline_is_a_400(client, officer, district, commune):
    directive = send(client, officer, district, [commune])
    before = Directive.objects.get(pk=directive.pk).deadline
    for value in ("0001-01-01T00:00", "9999-12-31T23:59"):
        response = client.post(reverse("directives_extend", args=[directive.pk]), {"deadline": value})
        assert response.status_code == 400 and "Hạn mới không hợp lệ" in response.content.decode()
    assert Directive.objects.get(pk=directive.pk).deadline == before


def test_a_title_on_two_lines_is_one_line_in_the_mail_subject(client, officer, district, commune, editor):
    directive = send(client, officer, district, [commune], title="Về việc\r\nBcc: ke-la@example.com  phòng dịch")
    assert directive.title == "Về việc Bcc: ke-la@example.com phòng dịch"
    assert [m.to for m in mail.outbox] == [[editor.email]] and "\n" not in mail.outbox[0].subject


def test_files_are_downloaded_by_get_only_and_a_lost_file_is_a_404(client, officer, district, commune):
    directive = send(client, officer, district, [commune], files=[upload("kh.pdf", helpers.pdf())])
    row = directive.files.get()
    url = reverse("directives_file", args=[row.pk])
    assert client.post(url).status_code == 405
    response = client.get(url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf" and "no-store" in response["Cache-Control"]
    row.file.storage.delete(row.file.name)
    client.raise_request_exception = False
    assert client.get(url).status_code == 404


def test_a_superuser_reads_a_communes_copy_but_does_not_answer_for_it(client, officer, district, commune):
    directive = send(client, officer, district, [commune])
    recipient = directive.recipients.get()
    client.force_login(get_user_model().objects.create_superuser("quan_tri", "qt@example.vn", helpers.PASSWORD))
    url = reverse("directives_received", args=[recipient.pk])
    page = client.get(url).content.decode()
    assert "Gửi trả lời" not in page and f"Chỉ cán bộ của {commune.title}" in page
    for data in ({"action": "acknowledge"}, {"action": "answer", "answer": "Thay xã trả lời."}):
        assert client.post(url, data).status_code == 403
    recipient.refresh_from_db()
    assert recipient.acknowledged_at is None and recipient.answered_at is None


def test_a_failed_save_leaves_no_file_in_the_private_storage(client, officer, district, commune, editor, monkeypatch):
    client.force_login(officer)

    def broken(*args, **kwargs):
        raise DatabaseError("ổ đĩa đầy")

    before = stored_files()
    with monkeypatch.context() as patch, pytest.raises(DatabaseError):
        patch.setattr(DirectiveRecipient.objects, "bulk_create", broken)
        client.post(
            reverse("directives_compose"), compose(district, [commune], files=[upload("kh.pdf", helpers.pdf())])
        )
    assert not Directive.objects.exists() and not DirectiveFile.objects.exists()
    assert stored_files() == before
    directive = send(client, officer, district, [commune])
    recipient = directive.recipients.get()
    client.force_login(editor)
    before = stored_files()
    manager = DirectiveRecipient.objects
    real_filter = manager.filter

    def update_breaks(*args, **kwargs):  # the answer's row update, after its files are written
        if set(kwargs) == {"pk"}:
            raise DatabaseError("ổ đĩa đầy")
        return real_filter(*args, **kwargs)

    with monkeypatch.context() as patch, pytest.raises(DatabaseError):
        patch.setattr(manager, "filter", update_breaks)
        client.post(
            reverse("directives_received", args=[recipient.pk]),
            {"action": "answer", "answer": "Báo cáo.", "files": [upload("bc.pdf", helpers.pdf())]},
        )
    assert not AnswerFile.objects.exists() and stored_files() == before


def test_no_reminder_for_a_threshold_already_past_when_sent(client, officer, district, commune, editor):
    directive = send(client, officer, district, [commune], deadline=deadline_in(hours=48))
    deadline = Directive.objects.get(pk=directive.pk).deadline
    mail.outbox.clear()
    soon = timezone.now() + datetime.timedelta(minutes=5)
    assert tasks.send_reminders(now=soon) == 0  # 72 h before was past when sent: the sending stood for it
    assert tasks.send_reminders(now=deadline - datetime.timedelta(hours=23)) == 1  # 24 h before: reminded
    assert [m.to for m in mail.outbox] == [[editor.email]]


def test_a_zip_that_would_unpack_too_large_is_refused(monkeypatch):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w/>" + " " * 200_000)  # compresses to little
    data = out.getvalue()
    assert files.kind_of(data) == "DOCX"
    monkeypatch.setattr(files, "UNPACKED_LIMIT", 100_000)
    assert len(data) < 100_000 and files.kind_of(data) is None


def test_reminding_after_the_deadline(client, officer, district, commune, editor):
    past = timezone.now() - datetime.timedelta(hours=1)
    report = send(client, officer, district, [commune], kind="bao_cao", period_key="2026")
    Directive.objects.filter(pk=report.pk).update(deadline=past)
    mail.outbox.clear()
    response = client.post(reverse("directives_remind", args=[report.pk]), follow=True)
    assert "Hãy gia hạn trước khi nhắc" in response.content.decode() and mail.outbox == []
    directive = send(client, officer, district, [commune])  # a plain directive still takes a late answer
    Directive.objects.filter(pk=directive.pk).update(deadline=past)
    mail.outbox.clear()
    client.post(reverse("directives_remind", args=[directive.pk]))
    assert [m.to for m in mail.outbox] == [[editor.email]] and "(đã quá hạn)" in mail.outbox[0].body


def test_every_post_needs_the_csrf_token(client, officer, district, commune, editor):
    from django.test import Client

    directive = send(client, officer, district, [commune])
    recipient = directive.recipients.get()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(officer)
    for name in ("directives_remind", "directives_extend", "directives_delete"):
        assert strict.post(reverse(name, args=[directive.pk])).status_code == 403, name
    assert strict.post(reverse("directives_compose"), compose(district, [commune])).status_code == 403
    strict.force_login(editor)
    url = reverse("directives_received", args=[recipient.pk])
    assert strict.post(url, {"action": "answer", "answer": "Không có mã CSRF."}).status_code == 403
    recipient.refresh_from_db()
    assert recipient.answered_at is None and Directive.objects.count() == 1
