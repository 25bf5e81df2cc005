"""What happens to a citizen's question or feedback: received, limited, assigned, transferred,
answered, published, rated. The views (inquiries/views.py, the admin in
inquiries/admin_views.py) call these; e-mails go through the django-q2 worker.
"""

import datetime
import hashlib
import hmac
import html
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_tags
from django_q.tasks import async_task
from PIL import Image
from wagtail.log_actions import LogContext

from areas.accounts import send_to_staff, unit_admin_url, unit_root_url, unit_staff
from core.working_days import deadline_for
from inquiries.models import (
    CONSENT_VERSION,
    AnsweredQuestionPage,
    Channel,
    EventAction,
    Inquiry,
    InquiryPhoto,
    QuestionIndexPage,
    Status,
    new_tracking_code,
)

log = logging.getLogger(__name__)


class Refused(Exception):
    """A submission refused as a whole (rate limit): shown above the form, HTTP 429."""

    def __init__(self, message, status=429):
        super().__init__(message)
        self.message = message
        self.status = status


# --- Receiving -------------------------------------------------------------------------------


def client_key(ip):
    """A keyed hash of the address: enough to count a sender's submissions, not to read it back."""
    return hmac.new(settings.SECRET_KEY.encode(), f"inquiry-ip:{ip}".encode(), hashlib.sha256).hexdigest()


def check_rate_limits(key, phone, now=None):
    now = now or timezone.now()
    recent = Inquiry.objects.filter(client_key=key)
    if recent.filter(received_at__gte=now - datetime.timedelta(hours=1)).count() >= settings.INQUIRY_RATE_PER_IP_HOUR:
        raise Refused(
            "Bạn đã gửi nhiều câu hỏi trong một giờ qua. Vui lòng thử lại sau một giờ, "
            "hoặc liên hệ trực tiếp Ủy ban nhân dân xã."
        )
    if recent.filter(received_at__gte=now - datetime.timedelta(days=1)).count() >= settings.INQUIRY_RATE_PER_IP_DAY:
        raise Refused("Bạn đã gửi nhiều câu hỏi trong hôm nay. Vui lòng thử lại vào ngày mai.")
    if (
        phone
        and Inquiry.objects.filter(phone=phone, received_at__gte=now - datetime.timedelta(days=1)).count()
        >= settings.INQUIRY_RATE_PER_PHONE_DAY
    ):
        raise Refused("Số điện thoại này đã gửi nhiều câu hỏi trong hôm nay. Vui lòng thử lại vào ngày mai.")


def _serialise(*keys):
    """Inside a transaction: wait for any other submission from the same address or phone.
    SQLite's IMMEDIATE transactions (settings) already serialise every writer; PostgreSQL takes
    an advisory lock per key until the transaction ends."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for value in sorted({k for k in keys if k}):
            digest = int.from_bytes(hashlib.sha256(f"inquiry-rate:{value}".encode()).digest()[:8], "big", signed=True)
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [digest])


def submit(commune, data, photos, *, submission_key, key, now=None, channel=Channel.ONLINE, recorded_by=None):
    """Store one submission; (inquiry, created). The same submission_key twice (a double
    click, a resent POST) gives back the first record and creates nothing.

    The one way a question is created: sent by the citizen on the site (`key`: the keyed hash
    of their address, counted by the rate limits), or recorded by a staff member in the admin
    (`recorded_by`, the `channel` it arrived by: phone, in person, letter; no rate limits, no
    address). Either way: a tracking code, a deadline in working days, the editors e-mailed."""

    existing = Inquiry.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        return existing, False
    now = now or timezone.now()
    limited = recorded_by is None
    fields = {
        name: data[name]
        for name in (
            "kind",
            "topic",
            "title",
            "body",
            "location",
            "latitude",
            "longitude",
            "name",
            "show_name",
            "phone",
            "email",
        )
        if name in data
    }
    for _attempt in range(5):
        try:
            with transaction.atomic():
                # Counting and inserting under one lock per address and phone: a parallel burst
                # from one client cannot slip past the limits.
                if limited:
                    _serialise(key, data.get("phone", ""))
                    check_rate_limits(key, data.get("phone", ""), now)
                inquiry = Inquiry.objects.create(
                    commune=commune,
                    code=new_tracking_code(),
                    submission_key=submission_key,
                    consent_version=CONSENT_VERSION,
                    consented_at=now,
                    client_key=key,
                    received_at=now,
                    deadline=deadline_for(now),
                    channel=channel,
                    recorded_by=recorded_by,
                    **fields,
                )
                for position, content in enumerate(photos):
                    width, height = _image_size(content)
                    photo = InquiryPhoto(inquiry=inquiry, position=position, width=width, height=height)
                    photo.image.save(content.name, content, save=False)
                    photo.save()
                inquiry.log(EventAction.RECEIVED, recorded_by, "" if limited else Channel(channel).label)
        except IntegrityError:
            existing = Inquiry.objects.filter(submission_key=submission_key).first()
            if existing is not None:  # the same form, sent twice at once: the other request won
                return existing, False
            continue  # a tracking code drawn twice (1 in 2^50): draw again
        transaction.on_commit(lambda pk=inquiry.pk: enqueue("inquiries.handling.notify_received", pk))
        return inquiry, True
    raise RuntimeError("could not draw a free tracking code")


def _image_size(content):

    content.seek(0)
    with Image.open(content) as image:
        size = image.size
    content.seek(0)
    return size


# --- Handling (admin) --------------------------------------------------------------------------


def assign(inquiry, official, user):
    inquiry.assigned_to = official
    if inquiry.status == Status.RECEIVED and official is not None:
        inquiry.status = Status.ASSIGNED
    inquiry.save(update_fields=["assigned_to", "status"])
    inquiry.log(EventAction.ASSIGNED, user, official.get_full_name() or official.get_username() if official else "")


def save_handling(inquiry, user, changed, previous):
    """After the admin form saved `inquiry`: stamp answers, log what changed, sync the public page."""
    now = timezone.now()
    if "assigned_to" in changed and inquiry.assigned_to_id:
        if inquiry.status == Status.RECEIVED:
            inquiry.status = Status.ASSIGNED
        official = inquiry.assigned_to
        inquiry.log(EventAction.ASSIGNED, user, official.get_full_name() or official.get_username())
    if "deadline" in changed:
        inquiry.log(EventAction.DEADLINE, user, f"{previous['deadline']:%d/%m/%Y} → {inquiry.deadline:%d/%m/%Y}")
    has_answer = bool(strip_tags(inquiry.answer or "").strip())
    if has_answer and ("answer" in changed or inquiry.answered_at is None):
        if inquiry.answered_at is None:
            inquiry.answered_at = now
            inquiry.answered_by = user
        if inquiry.status in (Status.RECEIVED, Status.ASSIGNED):
            inquiry.status = Status.ANSWERED
        inquiry.log(EventAction.ANSWERED, user)
        transaction.on_commit(lambda: enqueue("inquiries.handling.notify_answered", inquiry.pk))
    if "status" in changed:
        if inquiry.status == Status.REJECTED:
            inquiry.log(EventAction.REJECTED, user, inquiry.reject_reason)
        elif inquiry.status == Status.CLOSED:
            inquiry.log(EventAction.CLOSED, user)
        elif inquiry.status in (Status.RECEIVED, Status.ASSIGNED) and previous["status"] not in (
            Status.RECEIVED,
            Status.ASSIGNED,
        ):
            inquiry.log(EventAction.REOPENED, user)
    if inquiry.status in (Status.CLOSED, Status.REJECTED) and inquiry.closed_at is None:
        inquiry.closed_at = now
    elif inquiry.status not in (Status.CLOSED, Status.REJECTED):
        inquiry.closed_at = None
    inquiry.save()
    _sync_public_page_as(inquiry, user)


def transfer(inquiry, commune, user, note=""):
    """To another commune (of the same district or province): its queue, its deadline clock."""
    old = inquiry.commune
    inquiry.commune = commune
    inquiry.taken_up_by = None
    inquiry.assigned_to = None
    if inquiry.status == Status.ASSIGNED:
        inquiry.status = Status.RECEIVED
    inquiry.save(update_fields=["commune", "taken_up_by", "assigned_to", "status"])
    inquiry.__dict__.pop("handling_unit", None)  # cached: now the new commune
    inquiry.log(EventAction.TRANSFERRED, user, f"{old.title} → {commune.title}. {note}".strip())
    _sync_public_page_as(inquiry, user)
    transaction.on_commit(lambda: enqueue("inquiries.handling.notify_received", inquiry.pk))


def take_up(inquiry, area, user, note=""):
    """A district or the province handles it itself."""
    inquiry.taken_up_by = area
    inquiry.save(update_fields=["taken_up_by"])
    inquiry.__dict__.pop("handling_unit", None)  # cached: now the area
    inquiry.log(EventAction.TAKEN_UP, user, f"{area.title}. {note}".strip())


def _sync_public_page_as(inquiry, user):
    """sync_public_page() on behalf of the handler. The AnsweredQuestionPage belongs to the queue:
    whoever may handle the inquiry publishes, moves or withdraws it, although a commune or district
    editor has no publish permission on the pages of the tree, so Wagtail's page permission checks
    are skipped (no user passed) while Wagtail's audit log (through the log context) and the
    inquiry's history still name the handler."""

    last = inquiry.events.order_by("-pk").values_list("pk", flat=True).first() or 0
    with LogContext(user=user):
        page = sync_public_page(inquiry, None)
    if user is not None:
        inquiry.events.filter(
            pk__gt=last, actor=None, action__in=[EventAction.PUBLISHED, EventAction.UNPUBLISHED]
        ).update(actor=user)
    return page


def rate(inquiry, rating, comment=""):
    """Record the citizen's rating once; False if it was rated already (two posts at once: the
    first wins, in one conditional UPDATE)."""
    now = timezone.now()
    with transaction.atomic():
        done = Inquiry.objects.filter(pk=inquiry.pk, rating__isnull=True).update(
            rating=rating, rating_comment=comment, rated_at=now
        )
        if not done:
            return False
        inquiry.rating, inquiry.rating_comment, inquiry.rated_at = rating, comment, now
        inquiry.log(EventAction.RATED, None, f"{rating}/5")
    return True


# --- The public page of an answered question --------------------------------------------------


def _answering_unit(inquiry):
    unit = inquiry.handling_unit
    return f"Ủy ban nhân dân {unit.title.lower()[:1]}{unit.title[1:]}" if unit else ""


def sync_public_page(inquiry, user=None):
    """Publish, refresh or withdraw the AnsweredQuestionPage of an inquiry."""
    wanted = (
        inquiry.is_public
        and inquiry.status in (Status.ANSWERED, Status.CLOSED)
        and bool(strip_tags(inquiry.answer or "").strip())
    )
    page = inquiry.public_page
    if not wanted:
        if page is not None and page.live:
            page.unpublish(user=user, log_action=True)
            inquiry.log(EventAction.UNPUBLISHED, user)
        return None
    index = QuestionIndexPage.objects.child_of(inquiry.commune).first()
    if index is None:
        log.warning("commune %s has no Hỏi đáp section; run provision", inquiry.commune_id)
        return None
    values = {
        "title": inquiry.public_title.strip() or inquiry.title,
        "kind": inquiry.kind,
        "topic": inquiry.topic,
        "asker": str(inquiry.public_name),
        "question": inquiry.public_body.strip() or inquiry.body,
        "location": inquiry.location,
        "asked_on": timezone.localdate(inquiry.received_at),
        "answer": inquiry.answer,
        "answered_on": timezone.localdate(inquiry.answered_at or timezone.now()),
        "answered_by_unit": _answering_unit(inquiry),
    }
    was_live = page is not None and page.live
    if page is None:
        page = AnsweredQuestionPage(**values)
        index.add_child(instance=page)
        inquiry.public_page = page
        Inquiry.objects.filter(pk=inquiry.pk).update(public_page=page)
    else:
        if page.get_parent().pk != index.pk:
            page.move(index, pos="last-child", user=user)
            page = AnsweredQuestionPage.objects.get(pk=page.pk)
        changed = [name for name, value in values.items() if getattr(page, name) != value]
        if not changed and was_live:
            return page
        for name, value in values.items():
            setattr(page, name, value)
        page.draft_title = page.title
    page.save_revision(user=user, log_action=True).publish(user=user)
    if not was_live:
        inquiry.log(EventAction.PUBLISHED, user)
    return page


def on_page_unpublished(sender, instance, **kwargs):
    """Unpublished from the page explorer: the queue shows it as private again."""
    if isinstance(instance, AnsweredQuestionPage):
        Inquiry.objects.filter(public_page_id=instance.pk, is_public=True).update(is_public=False)


# --- Notifications (run by the worker) --------------------------------------------------------


def enqueue(function, *args):
    async_task(function, *args, sync=getattr(settings, "TASKS_SYNC", False))


def notify_received(inquiry_id):
    """E-mail the handling unit's editors and moderators, each by name: a new item is in their
    queue, with a link to it in the admin on the unit's own host (areas/accounts.py)."""
    inquiry = Inquiry.objects.select_related("commune").filter(pk=inquiry_id).first()
    if inquiry is None:
        return 0
    unit = inquiry.handling_unit
    context = {"inquiry": inquiry, "unit": unit, "admin_url": unit_admin_url(unit, "inquiries:edit", inquiry.pk)}
    return send_to_staff(
        unit_staff(unit),
        f"[{unit.title}] Câu hỏi, phản ánh mới: {inquiry.title}",
        "inquiries/email/inquiry_received.txt",
        context,
    )


def notify_answered(inquiry_id):
    """E-mail the citizen (if they gave an address) that the answer is there, with a link to it on
    their commune's site."""
    inquiry = Inquiry.objects.select_related("commune").filter(pk=inquiry_id).first()
    if inquiry is None or not inquiry.email or not strip_tags(inquiry.answer or "").strip():
        return 0
    index = QuestionIndexPage.objects.child_of(inquiry.commune).first()
    lookup = (
        f"{unit_root_url(inquiry.commune)}{index.url_path[len(inquiry.commune.url_path) - 1 :]}tra-cuu/?ma={inquiry.code}"
        if index
        else ""
    )
    context = {"inquiry": inquiry, "lookup_url": lookup, "answer_text": html.unescape(strip_tags(inquiry.answer))}
    send_mail(
        f"Đã có trả lời cho câu hỏi {inquiry.display_code} – {inquiry.commune.title}",
        render_to_string("inquiries/email/inquiry_answered.txt", context),
        None,
        [inquiry.email],
    )
    return 1
