"""Directives down, reports up (docs/architecture.md, "Directives and reports").

A province or district (an AreaPage, the sender) writes a Directive: a plain directive (văn bản
chỉ đạo) or a report request (yêu cầu báo cáo, for a reporting period of core.periods) with a
deadline in Vietnam time. It stays a draft until sent; once sent it goes to its recipients, one
DirectiveRecipient row per commune (CommuneHomePage inside the sender's area) or department
(areas.Department of the sender's area or an area inside it). Each recipient records when it was
first opened (seen), acknowledged ("Đã nhận") and answered (text and files).

Internal: no page, no public URL, no search index. Files live in the private storage
(settings.PRIVATE_MEDIA_ROOT, the questions' photos' storage) and are served only through the
views of directives/views.py after the checks of directives/access.py.

Late answers: a report request refuses an answer after its deadline (the sender may extend the
deadline); a plain directive accepts it and marks it late. A second answer replaces the text and
adds its files to the ones already sent (nothing sent is lost).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.periods import Period
from inquiries.models import private_storage


class DirectiveKind(models.TextChoices):
    DIRECTIVE = "chi_dao", _("Văn bản chỉ đạo")
    REPORT_REQUEST = "bao_cao", _("Yêu cầu báo cáo")


class DirectiveQuerySet(models.QuerySet):
    def sent(self):
        return self.filter(sent_at__isnull=False)

    def drafts(self):
        return self.filter(sent_at__isnull=True)


class Directive(models.Model):
    sender = models.ForeignKey(
        "areas.AreaPage", verbose_name=_("đơn vị gửi"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("loại"), max_length=10, choices=DirectiveKind.choices, default=DirectiveKind.DIRECTIVE)
    number = models.CharField(_("số, ký hiệu"), max_length=60, blank=True, help_text=_("Ví dụ: 125/UBND-VHTT."))
    issued_on = models.DateField(_("ngày ban hành"))
    title = models.CharField(_("trích yếu"), max_length=300)
    body = models.TextField(_("nội dung"), blank=True)
    period_key = models.CharField(
        _("kỳ báo cáo"), max_length=30, blank=True, help_text=_("Với yêu cầu báo cáo: 2026, 2026-Q4, 2026-11 …")
    )
    deadline = models.DateTimeField(_("hạn trả lời"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("ngày gửi"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DirectiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("văn bản chỉ đạo")
        verbose_name_plural = _("văn bản chỉ đạo")
        ordering = ["-sent_at", "-created_at"]
        indexes = [models.Index(fields=["sent_at", "deadline"])]

    def __str__(self):
        return f"{self.number} – {self.title}" if self.number else self.title

    @property
    def is_sent(self):
        return self.sent_at is not None

    @property
    def is_report_request(self):
        return self.kind == DirectiveKind.REPORT_REQUEST

    @property
    def period(self):
        """The reporting period (core.periods.Period) of a report request, None otherwise."""
        if not self.period_key:
            return None
        try:
            return Period.parse(self.period_key)
        except ValueError:
            return None

    def is_past_deadline(self, now=None):
        return (now or timezone.now()) > self.deadline

    @property
    def accepts_late_answers(self):
        """Plain directives take a late answer (marked late); report requests do not."""
        return not self.is_report_request


def attachment_path(instance, filename):
    return f"directives/{timezone.now():%Y/%m}/{filename}"


class DirectiveFile(models.Model):
    """A file sent with a directive (checked by content: directives/files.py)."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(storage=private_storage, upload_to=attachment_path, max_length=200)
    name = models.CharField(max_length=200)  # the name it was uploaded with, cleaned
    kind = models.CharField(max_length=10)  # PDF, DOCX, XLSX, ODT, JPEG …
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name


class DirectiveRecipient(models.Model):
    """One commune or department a directive was sent to, and what it did with it."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="recipients")
    commune = models.ForeignKey(
        "areas.CommuneHomePage", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    department = models.ForeignKey(
        "areas.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    seen_at = models.DateTimeField(null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.TextField(blank=True)
    late = models.BooleanField(default=False)  # answered (last) after the deadline

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(commune__isnull=False, department__isnull=True)
                | Q(commune__isnull=True, department__isnull=False),
                name="directive_recipient_one_unit",
            ),
            models.UniqueConstraint(fields=["directive", "commune"], name="unique_directive_commune"),
            models.UniqueConstraint(fields=["directive", "department"], name="unique_directive_department"),
        ]
        indexes = [models.Index(fields=["commune", "answered_at"]), models.Index(fields=["department", "answered_at"])]

    def __str__(self):
        return self.unit_name

    @property
    def unit(self):
        return self.commune if self.commune_id else self.department

    @property
    def unit_name(self):
        if self.commune_id:
            return self.commune.title
        return self.department.full_name

    @property
    def home(self):
        """The page whose host the recipient's links use: its commune, or its department's area."""
        return self.commune if self.commune_id else self.department.area

    @property
    def state(self):
        """answered | acknowledged | seen | new."""
        if self.answered_at:
            return "answered"
        if self.acknowledged_at:
            return "acknowledged"
        if self.seen_at:
            return "seen"
        return "new"

    @property
    def state_label(self):
        return STATE_LABELS[self.state]


STATE_LABELS = {
    "answered": "Đã trả lời",
    "acknowledged": "Đã nhận, chưa trả lời",
    "seen": "Đã xem, chưa xác nhận",
    "new": "Chưa xem",
}


class AnswerFile(models.Model):
    """A file sent with an answer; answers add files, never remove earlier ones."""

    recipient = models.ForeignKey(DirectiveRecipient, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(storage=private_storage, upload_to=attachment_path, max_length=200)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name


class Reminder(models.Model):
    """An e-mail reminder sent to a recipient's staff: automatic ones once per (threshold, deadline),
    so an extended deadline gets its own; "now" ones each time the sender asks."""

    recipient = models.ForeignKey(DirectiveRecipient, on_delete=models.CASCADE, related_name="reminders")
    hours_before = models.PositiveIntegerField(null=True, blank=True)  # None: sent by hand
    deadline = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    emails = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "hours_before", "deadline"],
                condition=Q(hours_before__isnull=False),
                name="unique_automatic_reminder",
            )
        ]
