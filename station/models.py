"""The commune loudspeaker station (đài truyền thanh cấp xã): its register, its recorded
programmes and relays (docs/architecture.md, "Loudspeaker station").

- Station: one per commune, its technology (hữu tuyến, vô tuyến FM, ứng dụng CNTT-VT), since
  when it is IP-based, and its hamlets (Hamlet: ấp, khóm, thôn, bản, tổ dân phố), each with
  whether the loudspeakers reach it and which clusters (boards of kind "audio") serve it. The
  ministry's indicators 1.1 and 1.2 are computed from it (indicators/compute.py).
- Programme: a recorded programme (an upload checked by its content and normalised once to the
  loudness target, audio/), or a relay of a stream in a daily window; owned by a unit (a commune,
  a district or the province) and aired by the clusters it targets at their broadcast times.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable


class Technology(models.TextChoices):
    WIRED = "wired", _("Hữu tuyến")
    FM = "fm", _("Vô tuyến FM")
    IP = "ip", _("Ứng dụng CNTT-VT (loa IP)")


class Station(ClusterableModel):
    owner = models.OneToOneField(
        "wagtailcore.Page",
        verbose_name=_("xã"),
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Xã, phường, thị trấn có đài truyền thanh."),
    )
    technology = models.CharField(_("công nghệ"), max_length=5, choices=Technology.choices, default=Technology.WIRED)
    converted_on = models.DateField(
        _("chuyển sang CNTT-VT từ ngày"),
        null=True,
        blank=True,
        help_text=_("Ngày đài bắt đầu dùng loa ứng dụng CNTT-VT (chỉ tiêu 1.2). Để trống nếu chưa chuyển đổi."),
    )
    working = models.BooleanField(
        _("đang hoạt động"), default=True, help_text=_("Bỏ chọn khi đài hỏng, ngừng phát (chỉ tiêu 1.1).")
    )
    note = models.TextField(_("ghi chú"), blank=True)
    volume_normal = models.PositiveSmallIntegerField(
        _("âm lượng tin thông thường (%)"),
        default=80,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("So với âm lượng chung của từng cụm loa (đặt từ xa ở trang Điều khiển)."),
    )
    volume_priority = models.PositiveSmallIntegerField(
        _("âm lượng tin ưu tiên (%)"), default=90, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    volume_emergency = models.PositiveSmallIntegerField(
        _("âm lượng tin khẩn cấp (%)"), default=100, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("đài truyền thanh")
        verbose_name_plural = _("đài truyền thanh")

    def __str__(self):
        return f"Đài truyền thanh {self.owner.title}" if self.owner_id else "Đài truyền thanh"

    def clean(self):
        super().clean()
        if self.technology == Technology.IP and self.converted_on is None:
            raise ValidationError({"converted_on": _("Đài ứng dụng CNTT-VT cần ngày bắt đầu dùng loa IP.")})
        if self.technology != Technology.IP and self.converted_on is not None:
            raise ValidationError(
                {"converted_on": _("Chỉ ghi ngày chuyển đổi khi công nghệ là ứng dụng CNTT-VT (loa IP).")}
            )
        if self.converted_on is not None and self.converted_on > timezone.localdate():
            raise ValidationError({"converted_on": _("Ngày chuyển đổi không thể ở tương lai.")})

    def volumes(self):
        """{class: percent} of the programme's items, for the clusters' playlists."""
        return {"normal": self.volume_normal, "priority": self.volume_priority, "emergency": self.volume_emergency}

    def is_ip_on(self, day: datetime.date) -> bool:
        """IP-based on `day` (indicator 1.2 over time)."""
        return self.technology == Technology.IP and self.converted_on is not None and self.converted_on <= day


class HamletKind(models.TextChoices):
    AP = "ap", _("Ấp")
    KHOM = "khom", _("Khóm")
    THON = "thon", _("Thôn")
    BAN = "ban", _("Bản")
    TO = "to", _("Tổ dân phố")


class Hamlet(ClusterableModel, Orderable):  # a ClusterableModel: its `clusters` are saved with it
    station = ParentalKey(Station, on_delete=models.CASCADE, related_name="hamlets")
    kind = models.CharField(_("loại"), max_length=4, choices=HamletKind.choices, default=HamletKind.AP)
    name = models.CharField(_("tên"), max_length=120)
    reached = models.BooleanField(_("loa phủ tới"), default=True, help_text=_("Người dân ở đây nghe được loa của đài."))
    clusters = ParentalManyToManyField(
        "boards.Board",
        verbose_name=_("cụm loa"),
        blank=True,
        related_name="+",
        help_text=_("Các cụm loa IP phục vụ nơi này."),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("ấp, khóm, thôn, tổ dân phố")
        verbose_name_plural = _("ấp, khóm, thôn, tổ dân phố")

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}"


class ProgrammeKind(models.TextChoices):
    RECORDED = "recorded", _("Chương trình thu sẵn")
    RELAY = "relay", _("Tiếp sóng")
    LIVE = "live", _("Bản ghi phát trực tiếp")


class ProgrammeState(models.TextChoices):
    PROCESSING = "processing", _("Đang xử lý")
    READY = "ready", _("Sẵn sàng")
    FAILED = "failed", _("Lỗi")


class ProgrammePriority(models.TextChoices):
    NORMAL = "normal", _("Thông thường")
    PRIORITY = "priority", _("Ưu tiên")
    EMERGENCY = "emergency", _("Khẩn cấp")


def upload_path(instance, filename):
    return f"station/uploads/{timezone.now():%Y/%m}/{filename}"


class Programme(ClusterableModel):
    owner = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("đơn vị"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Xã, huyện hoặc tỉnh làm chương trình."),
    )
    title = models.CharField(_("tên chương trình"), max_length=200)
    kind = models.CharField(_("loại"), max_length=8, choices=ProgrammeKind.choices, default=ProgrammeKind.RECORDED)
    priority = models.CharField(
        _("mức ưu tiên"),
        max_length=9,
        choices=ProgrammePriority.choices,
        default=ProgrammePriority.NORMAL,
        help_text=_(
            "Theo Thông tư 39/2020/TT-BTTTT: thông thường (xã xếp lịch), ưu tiên (phát trước), "
            "khẩn cấp (phát ngay, ngắt mọi chương trình)."
        ),
    )
    upload = models.FileField(_("tệp âm thanh"), upload_to=upload_path, blank=True, max_length=255)
    file = models.ForeignKey(
        "boards.RenderedFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    duration_s = models.FloatField(_("thời lượng (giây)"), null=True, blank=True, editable=False)
    loudness_in = models.FloatField(_("độ to gốc (LUFS)"), null=True, blank=True, editable=False)
    loudness_out = models.FloatField(_("độ to sau chuẩn hoá (LUFS)"), null=True, blank=True, editable=False)
    state = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=ProgrammeState.choices,
        default=ProgrammeState.PROCESSING,
        editable=False,
    )
    message = models.CharField(_("ghi chú xử lý"), max_length=500, blank=True, editable=False)
    stream_url = models.URLField(
        _("địa chỉ luồng tiếp sóng"),
        blank=True,
        max_length=500,
        help_text=_("Luồng Icecast/HTTP (MP3, AAC) hoặc HLS (.m3u8) của đài tỉnh, VOV …"),
    )
    daily_start = models.TimeField(_("tiếp sóng hằng ngày từ"), null=True, blank=True)
    daily_end = models.TimeField(_("đến"), null=True, blank=True)
    stream_ok = models.BooleanField(_("luồng đang phát"), null=True, blank=True, editable=False)
    stream_checked_at = models.DateTimeField(_("kiểm tra luồng lúc"), null=True, blank=True, editable=False)
    stream_message = models.CharField(_("tình trạng luồng"), max_length=300, blank=True, editable=False)
    valid_from = models.DateTimeField(_("phát từ"), default=timezone.now)
    valid_until = models.DateTimeField(_("phát đến"), null=True, blank=True)
    target_units = ParentalManyToManyField(
        "wagtailcore.Page",
        verbose_name=_("gửi tới các xã, huyện"),
        blank=True,
        related_name="+",
        help_text=_("Để trống: các cụm loa của chính đơn vị."),
    )
    target_clusters = ParentalManyToManyField(
        "boards.Board", verbose_name=_("gửi tới các cụm loa"), blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("chương trình thu sẵn, tiếp sóng")
        verbose_name_plural = _("chương trình thu sẵn, tiếp sóng")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    @property
    def key(self):
        """Its key in the clusters' playlists and the broadcast log ("programme:<id>")."""
        return f"programme:{self.pk}"

    def clean(self):
        super().clean()
        if self.valid_until is not None and self.valid_from is not None and self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": _("Thời điểm kết thúc phải sau thời điểm bắt đầu.")})
        if self.kind == ProgrammeKind.RELAY:
            errors = {}
            if not self.stream_url:
                errors["stream_url"] = _("Tiếp sóng cần địa chỉ luồng.")
            if self.daily_start is None:
                errors["daily_start"] = _("Tiếp sóng cần giờ bắt đầu hằng ngày.")
            if self.daily_end is None:
                errors["daily_end"] = _("Tiếp sóng cần giờ kết thúc hằng ngày.")
            elif self.daily_start is not None and self.daily_end == self.daily_start:
                errors["daily_end"] = _("Giờ kết thúc phải khác giờ bắt đầu.")
            if errors:
                raise ValidationError(errors)


class SlotPlan(models.Model):
    """The broadcast programme of one slot (a broadcast time on a day) of a commune's clusters,
    as Thông tư 39/2020/TT-BTTTT has the commune make it: `keys`, the items placed in it in the
    order they air (an item from above of normal priority airs only once placed; the commune's own
    items and priority items are placed automatically and may be reordered), `removed`, the
    commune's own items taken out of this slot."""

    owner = models.ForeignKey("wagtailcore.Page", verbose_name=_("xã"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("ngày"))
    at = models.TimeField(_("giờ phát"))
    keys = models.JSONField(_("thứ tự phát"), default=list, blank=True)
    removed = models.JSONField(_("bỏ khỏi khung giờ"), default=list, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("khung giờ phát")
        verbose_name_plural = _("khung giờ phát")
        constraints = [models.UniqueConstraint(fields=["owner", "day", "at"], name="station_slotplan_unique")]
        indexes = [models.Index(fields=["owner", "day"])]

    def __str__(self):
        return f"{self.at:%H:%M} {self.day:%d/%m/%Y}"
