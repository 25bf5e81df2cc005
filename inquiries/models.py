"""Citizens' questions (hỏi đáp) and feedback (phản ánh, kiến nghị), and their public answers.

An `Inquiry` is what a citizen sends from a commune site, or what the commune's staff record
when it arrives by phone, in person or by letter (`channel`): stored with a tracking code and a
deadline in working days, seen in the admin only by that commune's editors and moderators
(and by its district and province), assigned, answered, and, if the commune chooses,
published as an `AnsweredQuestionPage` under the commune's `QuestionIndexPage` ("Hỏi đáp"),
where the site search, the sitemap and the page cache already reach it.

Personal data (Nghị định 13/2023/NĐ-CP): the phone and email are never shown publicly; the
name only when the citizen allowed it; the IP address is kept only as a keyed hash, for the
rate limits; photos are re-encoded without their location data and kept in private storage.
"""

import os
import secrets

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, HelpPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Page

from cms_pages.models.content import SectionPage, VietnameseSlugMixin, paginate
from core.page_cache import CachedPageMixin

ANSWER_FEATURES = ["bold", "italic", "ol", "ul", "link", "document-link"]
CONSENT_VERSION = "2026-11"


class InquiryKind(models.TextChoices):
    QUESTION = "hoi_dap", _("Hỏi đáp")
    FEEDBACK = "phan_anh", _("Phản ánh, kiến nghị")


class Channel(models.TextChoices):
    """How the question reached the commune: the citizens' own form, or recorded by staff."""

    ONLINE = "truc_tuyen", _("Trực tuyến")
    PHONE = "dien_thoai", _("Điện thoại")
    IN_PERSON = "truc_tiep", _("Trực tiếp")
    LETTER = "thu", _("Thư")


# The channels staff record in the admin ("Thêm câu hỏi/phản ánh"); online is the citizens' form.
STAFF_CHANNELS = (Channel.PHONE, Channel.IN_PERSON, Channel.LETTER)


class Topic(models.TextChoices):
    LAND = "dat_dai", _("Đất đai")
    CONSTRUCTION = "xay_dung", _("Xây dựng, trật tự đô thị")
    ENVIRONMENT = "moi_truong", _("Môi trường, vệ sinh")
    SECURITY = "an_ninh", _("An ninh, trật tự")
    TRAFFIC = "giao_thong", _("Giao thông")
    HEALTH = "y_te", _("Y tế")
    EDUCATION = "giao_duc", _("Giáo dục")
    SOCIAL = "chinh_sach", _("Chính sách xã hội, lao động")
    AGRICULTURE = "nong_nghiep", _("Nông nghiệp")
    PROCEDURES = "thu_tuc", _("Thủ tục hành chính")
    OTHER = "khac", _("Khác")


class Status(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận")
    ASSIGNED = "assigned", _("Đang xử lý")
    ANSWERED = "answered", _("Đã trả lời")
    CLOSED = "closed", _("Đã đóng")
    REJECTED = "rejected", _("Từ chối")


OPEN_STATUSES = (Status.RECEIVED, Status.ASSIGNED)
DONE_STATUSES = (Status.ANSWERED, Status.CLOSED, Status.REJECTED)

# Tracking codes: Crockford's base 32 (no I, L, O, U), 10 symbols = 50 random bits, shown
# as two groups of five ("7KQ2M-XH4PA"). Typed back in any case, with or without the dash,
# O read as 0 and I/L as 1.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10


def new_tracking_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text):
    """The stored form of a typed code, or "" when it cannot be one."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        return ""
    return cleaned


def display_code(code):
    return f"{code[:5]}-{code[5:]}" if len(code) == CODE_LENGTH else code


class PrivateStorage(FileSystemStorage):
    """Photos of inquiries: outside MEDIA_ROOT (settings.PRIVATE_MEDIA_ROOT, read at each use so
    tests can move it), with no public URL; served only through views that check access."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private files have no public URL")


def private_storage():
    return PrivateStorage()


class InquiryQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.open().filter(deadline__lt=today)

    def under(self, page):
        """Inquiries of the communes in `page`'s subtree (a commune home, a district or a province area)."""
        return self.filter(commune__path__startswith=page.path)

    def queue_order(self, today=None):
        """The order of the queue: overdue items first, then the other open items, each by the
        nearest deadline; then the handled ones, newest first."""
        today = today or timezone.localdate()
        is_open = models.Q(status__in=OPEN_STATUSES)
        return self.annotate(
            queue_rank=models.Case(
                models.When(is_open & models.Q(deadline__lt=today), then=models.Value(0)),
                models.When(is_open, then=models.Value(1)),
                default=models.Value(2),
                output_field=models.IntegerField(),
            ),
            queue_deadline=models.Case(models.When(is_open, then=models.F("deadline")), default=None),
        ).order_by("queue_rank", models.F("queue_deadline").asc(nulls_last=True), "-received_at", "-pk")


class Inquiry(models.Model):
    code = models.CharField(_("mã tra cứu"), max_length=CODE_LENGTH, unique=True, editable=False)
    # One random key per rendered form: a double click or a resent POST finds the first record.
    submission_key = models.CharField(max_length=64, unique=True, editable=False)
    commune = models.ForeignKey(
        "areas.CommuneHomePage", verbose_name=_("xã tiếp nhận"), on_delete=models.PROTECT, related_name="inquiries"
    )
    taken_up_by = models.ForeignKey(
        "areas.AreaPage",
        verbose_name=_("cấp trên trực tiếp xử lý"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Khi huyện hoặc tỉnh tiếp nhận xử lý thay xã."),
    )
    channel = models.CharField(
        _("kênh tiếp nhận"), max_length=10, choices=Channel.choices, default=Channel.ONLINE, db_index=True
    )
    # Who recorded it in the admin (a question received by phone, in person or by letter).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cán bộ ghi nhận"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    kind = models.CharField(_("loại"), max_length=10, choices=InquiryKind.choices, default=InquiryKind.QUESTION)
    topic = models.CharField(_("lĩnh vực"), max_length=20, choices=Topic.choices, default=Topic.OTHER)
    title = models.CharField(_("tiêu đề"), max_length=200)
    body = models.TextField(_("nội dung"), max_length=5000)
    location = models.CharField(_("địa điểm"), max_length=255, blank=True)
    latitude = models.DecimalField(_("vĩ độ"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("kinh độ"), max_digits=9, decimal_places=6, null=True, blank=True)
    # The citizen.
    name = models.CharField(_("họ và tên"), max_length=100)
    show_name = models.BooleanField(_("cho phép hiện tên khi công khai"), default=False)
    phone = models.CharField(_("số điện thoại"), max_length=15, blank=True, db_index=True)
    email = models.EmailField(_("thư điện tử"), max_length=254, blank=True)
    consent_version = models.CharField(max_length=20, editable=False)
    consented_at = models.DateTimeField(editable=False)
    client_key = models.CharField(max_length=64, db_index=True, editable=False)  # keyed hash of the IP
    # Handling.
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    reject_reason = models.TextField(_("lý do từ chối"), max_length=2000, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cán bộ xử lý"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answer = RichTextField(_("trả lời"), blank=True, features=ANSWER_FEATURES)
    answered_at = models.DateTimeField(_("ngày trả lời"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    is_public = models.BooleanField(_("công khai câu hỏi và trả lời"), default=False)
    public_title = models.CharField(
        _("tiêu đề công khai"),
        max_length=200,
        blank=True,
        help_text=_("Để trống: dùng tiêu đề người dân gửi. Sửa ở đây để lược bỏ tên, số điện thoại, địa chỉ nhà…"),
    )
    public_body = models.TextField(
        _("nội dung công khai"),
        max_length=5000,
        blank=True,
        help_text=_(
            "Để trống: công khai nguyên văn. Bản sửa ở đây mới hiện trên trang; bản gốc của người dân giữ nguyên."
        ),
    )
    publish_photos = models.BooleanField(
        _("công khai ảnh kèm theo"),
        default=False,
        help_text=_("Chỉ chọn khi ảnh không có mặt người, biển số xe, giấy tờ cá nhân."),
    )
    public_page = models.OneToOneField(
        "inquiries.AnsweredQuestionPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inquiry",
        editable=False,
    )
    received_at = models.DateTimeField(_("ngày tiếp nhận"), default=timezone.now, db_index=True)
    deadline = models.DateField(_("hạn trả lời"), db_index=True)
    closed_at = models.DateTimeField(_("ngày đóng"), null=True, blank=True)
    # The citizen's rating of the answer.
    rating = models.PositiveSmallIntegerField(
        _("mức hài lòng"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.TextField(_("góp ý về câu trả lời"), max_length=1000, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    objects = InquiryQuerySet.as_manager()

    class Meta:
        verbose_name = _("câu hỏi, phản ánh")
        verbose_name_plural = _("hỏi đáp, phản ánh")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["commune", "status", "deadline"], name="inquiry_queue")]

    def __str__(self):
        return f"{self.display_code} · {self.title}"

    @property
    def display_code(self):
        return display_code(self.code)

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self):
        return self.is_open and self.deadline < timezone.localdate()

    @property
    def overdue_days(self):
        """Calendar days past the deadline of an open item (0: not overdue)."""
        if not self.is_open:
            return 0
        return max(0, (timezone.localdate() - self.deadline).days)

    @property
    def answered_on_time(self):
        if self.answered_at is None:
            return None
        return timezone.localdate(self.answered_at) <= self.deadline

    @cached_property
    def handling_unit(self):
        """The page whose editors handle it: the commune, or the area that took it up."""
        return self.taken_up_by.specific if self.taken_up_by_id else self.commune

    @property
    def public_name(self):
        return self.name if self.show_name else _("Công dân")

    def log(self, action, user=None, note=""):
        return InquiryEvent.objects.create(inquiry=self, action=action, actor=user, note=note[:2000])


class InquiryPhoto(models.Model):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(storage=private_storage, upload_to="inquiries/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("ảnh kèm theo")
        verbose_name_plural = _("ảnh kèm theo")


class EventAction(models.TextChoices):
    RECEIVED = "received", _("Tiếp nhận")
    ASSIGNED = "assigned", _("Giao xử lý")
    TRANSFERRED = "transferred", _("Chuyển xã")
    TAKEN_UP = "taken_up", _("Cấp trên tiếp nhận")
    DEADLINE = "deadline", _("Đổi hạn trả lời")
    ANSWERED = "answered", _("Trả lời")
    PUBLISHED = "published", _("Công khai")
    UNPUBLISHED = "unpublished", _("Thôi công khai")
    CLOSED = "closed", _("Đóng")
    REJECTED = "rejected", _("Từ chối")
    REOPENED = "reopened", _("Mở lại")
    RATED = "rated", _("Công dân đánh giá")


class InquiryEvent(models.Model):
    """The history of an inquiry, shown in the admin (and, without names, to the citizen)."""

    inquiry = models.ForeignKey(Inquiry, verbose_name=_("câu hỏi"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("lúc"), default=timezone.now)
    action = models.CharField(_("việc"), max_length=12, choices=EventAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("diễn biến xử lý")
        verbose_name_plural = _("diễn biến xử lý")


# --- Public pages ------------------------------------------------------------------------------


class QuestionIndexPage(RoutablePageMixin, SectionPage):
    """ "Hỏi đáp" of a commune site: answered questions by topic, the form, the look-up by code.

    Not page-cached: the form carries a CSRF token and a one-time anti-spam challenge."""

    parent_page_types = ["areas.CommuneHomePage"]
    subpage_types = ["inquiries.AnsweredQuestionPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("chuyên mục hỏi đáp")
        verbose_name_plural = _("chuyên mục hỏi đáp")

    @cached_property
    def commune(self):
        return self.get_parent().specific

    def get_template(self, request, *args, **kwargs):
        return "inquiries/question_index_page.html"

    def listing(self):
        return AnsweredQuestionPage.objects.child_of(self).live().order_by("-answered_on", "-pk")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        items = self.listing()
        topic = request.GET.get("linh_vuc", "")
        if topic in Topic.values:
            items = items.filter(topic=topic)
        else:
            topic = ""
        present = set(self.listing().values_list("topic", flat=True))
        context["topics"] = [(value, label) for value, label in Topic.choices if value in present]
        context["topic"] = topic
        context["items"] = paginate(request, items)
        context["deadline_days"] = settings.INQUIRY_DEADLINE_WORKING_DAYS
        return context

    @path("")
    def index_route(self, request):
        return self.render(request)

    @path("gui/")
    def ask(self, request):
        from inquiries.views import ask  # inquiries.views imports this models module: loaded when the route runs

        return ask(request, self)

    @path("da-gui/<str:code>/")
    def receipt(self, request, code):
        from inquiries.views import receipt  # inquiries.views imports this models module: loaded when the route runs

        return receipt(request, self, code)

    @path("tra-cuu/")
    def lookup(self, request):
        from inquiries.views import lookup  # inquiries.views imports this models module: loaded when the route runs

        return lookup(request, self)

    @path("anh/<int:photo_id>/")
    def photo(self, request, photo_id):
        # inquiries.views imports this models module: loaded when the route runs
        from inquiries.views import public_photo

        return public_photo(request, self, photo_id)


class AnsweredQuestionPage(VietnameseSlugMixin, CachedPageMixin, Page):
    """A question (or feedback) and its answer, published from the queue. Edited there, not here."""

    kind = models.CharField(_("loại"), max_length=10, choices=InquiryKind.choices, default=InquiryKind.QUESTION)
    topic = models.CharField(_("lĩnh vực"), max_length=20, choices=Topic.choices, default=Topic.OTHER)
    asker = models.CharField(_("người gửi"), max_length=100, blank=True)
    question = models.TextField(_("câu hỏi, phản ánh"))
    location = models.CharField(_("địa điểm"), max_length=255, blank=True)
    asked_on = models.DateField(_("ngày gửi"))
    answer = RichTextField(_("trả lời"), features=ANSWER_FEATURES)
    answered_on = models.DateField(_("ngày trả lời"), db_index=True)
    answered_by_unit = models.CharField(_("đơn vị trả lời"), max_length=200, blank=True)

    parent_page_types = ["inquiries.QuestionIndexPage"]
    subpage_types = []
    is_creatable = False
    content_panels = [
        HelpPanel(
            content=_(
                "Câu hỏi và trả lời được sửa trong mục “Hỏi đáp, phản ánh” của trang quản trị; "
                "trang này được cập nhật khi lưu ở đó."
            )
        ),
        FieldPanel("title", read_only=True),
        FieldPanel("question", read_only=True),
        FieldPanel("answer", read_only=True),
    ]
    promote_panels = []

    class Meta:
        verbose_name = _("câu hỏi đã trả lời")
        verbose_name_plural = _("câu hỏi đã trả lời")

    def share_description(self):
        return self.question[:200]


__all__ = [
    "AnsweredQuestionPage",
    "Channel",
    "EventAction",
    "Inquiry",
    "InquiryEvent",
    "InquiryKind",
    "InquiryPhoto",
    "QuestionIndexPage",
    "Status",
    "Topic",
]
