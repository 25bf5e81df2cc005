"""Building content in tests: publish pages under a commune's or portal's sections."""

import datetime

from django.utils import timezone

from cms_pages.models import (
    AnnouncementIndexPage, AnnouncementPage, DocumentIndexPage, LegalDocumentPage, NewsIndexPage, NewsPage,
)


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def news(home, title, days_ago=0, **fields):
    index = NewsIndexPage.objects.child_of(home).get()
    fields.setdefault("summary", f"Tóm tắt: {title}")
    return publish(index, NewsPage(title=title, date=timezone.localdate() - datetime.timedelta(days=days_ago), **fields))


def announcement(home, title, valid_from=None, valid_until=None, priority="normal", **fields):
    index = AnnouncementIndexPage.objects.child_of(home).get()
    now = timezone.now()
    fields.setdefault("summary", f"Tóm tắt: {title}")
    return publish(index, AnnouncementPage(
        title=title, valid_from=valid_from or now - datetime.timedelta(hours=1), valid_until=valid_until,
        priority=priority, **fields,
    ))


def legal_document(home, number, doc_type="ke_hoach", issue_date=None, issuer=None, **fields):
    index = DocumentIndexPage.objects.child_of(home).get()
    fields.setdefault("summary", f"Trích yếu văn bản {number}")
    fields.setdefault("signer", "Nguyễn Văn An")
    return publish(index, LegalDocumentPage(
        title=f"Văn bản {number}", number_symbol=number, doc_type=doc_type,
        issue_date=issue_date or datetime.date(2026, 3, 15), issuer=issuer or f"UBND {home.name_in_sentence}",
        **fields,
    ))
