"""Building content in tests: publish pages under a commune's or portal's sections."""

import datetime

from django.utils import timezone

from areas.models import PortalHomePage
from cms_pages.models import (
    AnnouncementIndexPage,
    AnnouncementPage,
    DocumentIndexPage,
    LegalDocumentPage,
    NewsIndexPage,
    NewsPage,
)
from sources.models import EmergencyAlertPage, SourceIndexPage, SourceItemPage


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def news(home, title, days_ago=0, **fields):
    index = NewsIndexPage.objects.child_of(home).get()
    fields.setdefault("summary", f"Tóm tắt: {title}")
    return publish(
        index, NewsPage(title=title, date=timezone.localdate() - datetime.timedelta(days=days_ago), **fields)
    )


def announcement(home, title, valid_from=None, valid_until=None, priority="normal", **fields):
    index = AnnouncementIndexPage.objects.child_of(home).get()
    now = timezone.now()
    fields.setdefault("summary", f"Tóm tắt: {title}")
    return publish(
        index,
        AnnouncementPage(
            title=title,
            valid_from=valid_from or now - datetime.timedelta(hours=1),
            valid_until=valid_until,
            priority=priority,
            **fields,
        ),
    )


def legal_document(home, number, doc_type="ke_hoach", issue_date=None, issuer=None, **fields):
    index = DocumentIndexPage.objects.child_of(home).get()
    fields.setdefault("summary", f"Trích yếu văn bản {number}")
    fields.setdefault("signer", "Nguyễn Văn An")
    return publish(
        index,
        LegalDocumentPage(
            title=f"Văn bản {number}",
            number_symbol=number,
            doc_type=doc_type,
            issue_date=issue_date or datetime.date(2026, 3, 15),
            issuer=issuer or f"UBND {home.name_in_sentence}",
            **fields,
        ),
    )


def section_of(area):
    return SourceIndexPage.objects.child_of(PortalHomePage.objects.child_of(area).get()).get()


def push(area, title, *, areas=(), communes=(), boards=(), groups=(), model=SourceItemPage, live=True, **fields):
    """Source information (or, with model=EmergencyAlertPage, an alert) from `area`'s portal to the targets."""
    now = timezone.now()
    fields.setdefault("summary", f"Nội dung: {title}")
    fields.setdefault("valid_from", now - datetime.timedelta(minutes=5))
    if model is EmergencyAlertPage:
        fields.setdefault("event", "Bão số 9")
        fields.setdefault("valid_until", now + datetime.timedelta(hours=12))
    page = model(title=title, **fields)
    page.target_areas = list(areas)
    page.target_communes = list(communes)
    page.target_boards = list(boards)
    page.target_board_groups = list(groups)
    section_of(area).add_child(instance=page)
    if live:
        page.save_revision().publish()
    page.refresh_from_db()
    return page
