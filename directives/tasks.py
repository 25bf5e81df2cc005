"""E-mails of directives, run by the worker (django-q2): a directive sent, reminders before its
deadline (scheduled every hour), a reminder the sender asks for now.

Each goes to the staff of each recipient (its commune's or department's editors and moderators
groups, areas.accounts.unit_staff), in Vietnamese, with a link to the directive in "Văn bản đến"
on the recipient's own host (a commune's site, a department's area portal). Reminders go only to
recipients that have not answered, at DIRECTIVES_REMINDER_HOURS before the deadline (default 72
and 24 hours); each is recorded as a Reminder row, unique per (recipient, threshold, deadline), so
it goes once, and again only for a new (extended) deadline. When several thresholds are due at
once (the worker down for a while) one e-mail goes and every due threshold is recorded; a
threshold already past when the directive was sent is recorded without an e-mail (the e-mail
announcing the directive stands for it).
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.tasks import async_task

from areas.accounts import send_to_staff, unit_admin_url, unit_staff
from core.periods import local_zone
from directives.models import Directive, DirectiveRecipient, Reminder

RECEIVED_URL = "directives_received"


def reminder_hours():
    return sorted({int(h) for h in getattr(settings, "DIRECTIVES_REMINDER_HOURS", (72, 24))}, reverse=True)


def after_commit(func, *args):
    """Queue a task of this module once the transaction commits (inline with TASKS_SYNC)."""
    transaction.on_commit(
        lambda: async_task(f"directives.tasks.{func}", *args, sync=getattr(settings, "TASKS_SYNC", False))
    )


def deadline_text(moment):
    local = timezone.localtime(moment, local_zone())
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def _subject(text):
    """One line of at most 200 characters (a line break in a header is refused by Django's mail)."""
    return " ".join(str(text).split())[:200]


def _mail(recipient, template, subject, extra=None):
    directive = recipient.directive
    staff = unit_staff(recipient.unit)
    context = {
        "directive": directive,
        "recipient": recipient,
        "unit_name": recipient.unit_name,
        "sender_name": directive.sender.title,
        "deadline": deadline_text(directive.deadline),
        "url": unit_admin_url(recipient.home, RECEIVED_URL, recipient.pk),
        **(extra or {}),
    }
    return send_to_staff(staff, subject, template, context)


def _recipients(directive_id):
    return DirectiveRecipient.objects.filter(directive_id=directive_id).select_related(
        "directive__sender", "commune", "department__area"
    )


def notify_sent(directive_id):
    """Each recipient's staff hear of a directive just sent; returns the e-mails sent."""
    directive = Directive.objects.filter(pk=directive_id, sent_at__isnull=False).first()
    if directive is None:
        return 0
    kind = "Yêu cầu báo cáo" if directive.is_report_request else "Văn bản chỉ đạo"
    subject = _subject(f"{kind} của {directive.sender.title}: {directive.title}")
    return sum(_mail(r, "directives/email/sent.txt", subject) for r in _recipients(directive_id))


def _remind(recipient, hours_before=None, user=None, now=None):
    """One reminder e-mail to the recipient's staff, recorded; 0 when already sent (automatic)."""
    directive = recipient.directive
    now = now or timezone.now()
    left = directive.deadline - now
    subject = _subject(f"Nhắc hạn: {directive.title} (hạn {deadline_text(directive.deadline)})")
    try:
        with transaction.atomic():
            row = Reminder.objects.create(
                recipient=recipient, hours_before=hours_before, deadline=directive.deadline, sent_by=user, sent_at=now
            )
    except IntegrityError:
        return 0
    sent = _mail(
        recipient,
        "directives/email/reminder.txt",
        subject,
        {
            "days_left": max(0, left.days),
            "hours_left": max(0, round(left.total_seconds() / 3600)),
            "by_hand": user is not None,
            "overdue": left.total_seconds() <= 0,
        },
    )
    Reminder.objects.filter(pk=row.pk).update(emails=sent)
    return sent


def send_reminders(now=None):
    """Scheduled every hour: reminders due now for every sent directive still open; returns the
    e-mails sent."""
    now = now or timezone.now()
    hours = reminder_hours()
    if not hours:
        return 0
    horizon = now + datetime.timedelta(hours=hours[0])
    rows = (
        DirectiveRecipient.objects.filter(
            answered_at__isnull=True,
            directive__sent_at__isnull=False,
            directive__deadline__gt=now,
            directive__deadline__lte=horizon,
        )
        .select_related("directive__sender", "commune", "department__area")
        .prefetch_related("reminders")
    )
    sent = 0
    for recipient in rows:
        deadline = recipient.directive.deadline
        done = {r.hours_before for r in recipient.reminders.all() if r.deadline == deadline}
        due = [h for h in hours if deadline - datetime.timedelta(hours=h) <= now and h not in done]
        if not due:
            continue
        # A threshold already passed when the directive went out is covered by the e-mail that
        # announced it (a directive sent 2 days ahead gets no "3 days left" an hour later).
        sent_at = recipient.directive.sent_at
        covered = [h for h in due if deadline - datetime.timedelta(hours=h) < sent_at]
        due = [h for h in due if h not in covered]
        # The tightest due threshold sends; the wider ones are recorded as covered by it.
        for h in covered + due[:-1]:
            Reminder.objects.get_or_create(
                recipient=recipient, hours_before=h, deadline=deadline, defaults={"sent_at": now}
            )
        if due:
            sent += _remind(recipient, hours_before=due[-1], now=now)
    return sent


def remind_now(directive_id, user_id=None):
    """The sender's "Nhắc ngay": every recipient that has not answered; returns the e-mails sent."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return sum(_remind(r, user=user) for r in _recipients(directive_id).filter(answered_at__isnull=True))
