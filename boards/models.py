"""E-boards: the registry, uploaded media slides, rendered files and playlist versions.

A Board belongs to a unit (a commune home, or a district or province area) whose editors
manage it. Its playlist is composed from that unit's content (boards/composition.py),
rendered at its exact pixel size (boards/rendering.py, boards/video.py) into
content-addressed files (RenderedFile), and published as an immutable PlaylistVersion that
players fetch (issue 7).

A loudspeaker cluster (cụm loa truyền thanh, issue 9) is a Board of kind "audio": no size, its
items read aloud as MP3 bulletins (boards/bulletins.py) and played at its broadcast times,
emergencies at once and every `emergency_repeat_minutes` (composition.compose_audio).
"""

import datetime
import hashlib
import secrets
import tempfile
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from areas.models.site_settings import theme_choices
from boards.broker import hash_password
from boards.composition import format_broadcast_times, parse_broadcast_times
from cms_pages.models.content import picture_fit_field, picture_fit_panel

MIN_SIDE, MAX_SIDE = 64, 7680
SIDE_MESSAGE = _("Kích thước phải từ 64 đến 7680 điểm ảnh (ví dụ 192×96, 384×192, 1920×1080).")
SIDE_VALIDATORS = [MinValueValidator(MIN_SIDE, SIDE_MESSAGE), MaxValueValidator(MAX_SIDE, SIDE_MESSAGE)]
WEEKDAYS = [
    (0, _("Thứ Hai")),
    (1, _("Thứ Ba")),
    (2, _("Thứ Tư")),
    (3, _("Thứ Năm")),
    (4, _("Thứ Sáu")),
    (5, _("Thứ Bảy")),
    (6, _("Chủ nhật")),
]


class BoardKind(models.TextChoices):
    LED = "led", _("LED")
    LCD = "lcd", _("LCD")
    AUDIO = "audio", _("Cụm loa truyền thanh")


DEFAULT_BROADCAST_TIMES = "06:00, 17:00"
BROADCAST_TIMES_MESSAGE = _("Ghi các giờ phát trong ngày dạng giờ:phút, cách nhau bởi dấu phẩy, ví dụ 6:00, 17:00.")


def validate_broadcast_times(value):
    try:
        parse_broadcast_times(value)
    except ValueError as exc:
        raise ValidationError(f"{exc} {BROADCAST_TIMES_MESSAGE}") from None


class BoardLayout(models.TextChoices):
    """How a screen is divided into zones (boards/zones.py; geometry in themes/<theme>/boards/zones.json)."""

    FULL = "full", _("Toàn màn hình")
    TICKER = "ticker", _("Nội dung + dòng chữ chạy phía dưới")
    SIDE = "side", _("Nội dung + cột bên (đồng hồ, mã QR, lịch/tin)")
    SIDE_TICKER = "side_ticker", _("Nội dung + cột bên + dòng chữ chạy")
    LED_SCROLL = "led_scroll", _("Bảng LED: tiêu đề + dòng chữ chạy")


class TickerSpeed(models.TextChoices):
    SLOW = "slow", _("Chậm")
    NORMAL = "normal", _("Vừa")
    FAST = "fast", _("Nhanh")


class BoardOutput(models.TextChoices):
    IMAGES = "images", _("Ảnh từng trang")
    VIDEO = "video", _("Video H.264 (MP4)")
    BOTH = "both", _("Cả ảnh và video")


class BoardGroup(models.Model):
    """Boards addressed together (e.g. "Bảng chợ", "Bảng trường học") within a unit."""

    owner = models.ForeignKey("wagtailcore.Page", verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("tên nhóm"), max_length=100)

    class Meta:
        verbose_name = _("nhóm bảng")
        verbose_name_plural = _("nhóm bảng")
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_board_group_name")]

    def __str__(self):
        return self.name


class Board(ClusterableModel):
    owner = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("đơn vị quản lý"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Xã, huyện hoặc tỉnh có nội dung hiện trên bảng."),
    )
    name = models.CharField(_("tên bảng"), max_length=120)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("vĩ độ"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("kinh độ"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    kind = models.CharField(_("loại"), max_length=5, choices=BoardKind.choices, default=BoardKind.LCD)
    # A loudspeaker cluster (kind "audio") has no screen: no size.
    width = models.PositiveIntegerField(
        _("chiều rộng (điểm ảnh)"),
        validators=SIDE_VALIDATORS,
        null=True,
        blank=True,
        help_text=_("Bỏ trống với cụm loa."),
    )
    height = models.PositiveIntegerField(
        _("chiều cao (điểm ảnh)"),
        validators=SIDE_VALIDATORS,
        null=True,
        blank=True,
        help_text=_("Bỏ trống với cụm loa."),
    )
    large = models.BooleanField(
        _("bảng cỡ lớn"),
        default=False,
        help_text=_(
            "Màn hình LED/LCD cỡ lớn nơi công cộng (từ 4 m² hoặc 65 inch): tính vào chỉ tiêu "
            '"huyện có bảng điện tử cỡ lớn".'
        ),
    )
    output = models.CharField(_("đầu ra"), max_length=6, choices=BoardOutput.choices, default=BoardOutput.IMAGES)
    default_slide_seconds = models.PositiveSmallIntegerField(
        _("thời lượng mỗi trang (giây)"), default=10, validators=[MinValueValidator(3), MaxValueValidator(600)]
    )
    news_count = models.PositiveSmallIntegerField(_("số tin mới nhất"), default=5, validators=[MaxValueValidator(50)])
    theme = models.CharField(
        _("giao diện"),
        max_length=40,
        default="default",
        choices=theme_choices,
        help_text=_("Bố cục và màu của trang trình chiếu (themes/<giao diện>/boards/)."),
    )
    groups = ParentalManyToManyField(BoardGroup, verbose_name=_("nhóm"), blank=True, related_name="boards")
    refresh_seconds = models.PositiveIntegerField(
        _("chu kỳ hỏi danh sách phát (giây)"), default=300, validators=[MinValueValidator(30), MaxValueValidator(86400)]
    )
    # Loudspeaker clusters (kind "audio"): normal and priority bulletins play at these times of
    # day; an emergency plays at once and again every emergency_repeat_minutes while valid.
    broadcast_times = models.CharField(
        _("giờ phát bản tin"),
        max_length=200,
        blank=True,
        default=DEFAULT_BROADCAST_TIMES,
        validators=[validate_broadcast_times],
        help_text=_(
            "Cụm loa: giờ phát thông báo thường và ưu tiên mỗi ngày, ví dụ 6:00, 17:00 (giờ Việt Nam). "
            "Để trống: chỉ phát tin khẩn cấp."
        ),
    )
    emergency_repeat_minutes = models.PositiveSmallIntegerField(
        _("nhắc lại tin khẩn cấp (phút)"),
        default=15,
        validators=[MaxValueValidator(720)],
        help_text=_(
            "Cụm loa: tin khẩn cấp phát ngay khi nhận, rồi nhắc lại sau mỗi chừng ấy phút đến khi hết "
            "hiệu lực. 0: chỉ phát một lần."
        ),
    )
    layout = models.CharField(
        _("bố cục màn hình"),
        max_length=12,
        choices=BoardLayout.choices,
        default=BoardLayout.FULL,
        help_text=_(
            "Chia màn hình thành vùng: nội dung chính, dòng chữ chạy (thông báo còn hiệu lực, khẩn cấp "
            "trước), đồng hồ và ngày do máy phát tự vẽ, mã QR. Xem trước đúng kích thước ở “Xem trước”."
        ),
    )
    ticker_speed = models.CharField(
        _("tốc độ chữ chạy"), max_length=6, choices=TickerSpeed.choices, default=TickerSpeed.NORMAL
    )
    ticker_text = models.CharField(
        _("dòng chữ chạy thêm"),
        max_length=300,
        blank=True,
        help_text=_("Chạy sau các thông báo, ví dụ khẩu hiệu hoặc số điện thoại đường dây nóng. Có thể để trống."),
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    # Kept by the system. The Player API finds a board by its token's hash (indexed), never by id.
    token_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    # The real-time channel (docs/architecture.md, "Real-time channel v1"): the token's hash in
    # the broker's format, when it last changed (the sender rewrites the broker's files), and
    # the presence the player reports.
    mqtt_hash = models.CharField(max_length=200, blank=True, editable=False)
    credentials_at = models.DateTimeField(null=True, blank=True, editable=False)
    channel_state = models.CharField(max_length=8, blank=True, editable=False)  # "", online, offline
    channel_at = models.DateTimeField(null=True, blank=True, editable=False)
    channel_status = models.JSONField(default=dict, blank=True, editable=False)
    recompose_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("owner"),
        FieldPanel("name"),
        MultiFieldPanel(
            [FieldPanel("address"), FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")])],
            heading=_("Vị trí"),
        ),
        FieldRowPanel(
            [FieldPanel("kind"), FieldPanel("width"), FieldPanel("height"), FieldPanel("large")], heading=_("Màn hình")
        ),
        FieldRowPanel(
            [FieldPanel("output"), FieldPanel("default_slide_seconds"), FieldPanel("news_count")], heading=_("Nội dung")
        ),
        FieldRowPanel(
            [FieldPanel("broadcast_times"), FieldPanel("emergency_repeat_minutes")], heading=_("Cụm loa truyền thanh")
        ),
        FieldRowPanel(
            [FieldPanel("layout"), FieldPanel("ticker_speed"), FieldPanel("ticker_text")], heading=_("Bố cục")
        ),
        FieldPanel("theme"),
        FieldPanel("groups"),
        InlinePanel("hours", heading=_("Giờ hoạt động"), label=_("khung giờ")),
        FieldPanel("refresh_seconds"),
        FieldPanel("is_active"),
    ]

    class Meta:
        verbose_name = _("bảng điện tử")
        verbose_name_plural = _("bảng điện tử")
        ordering = ["owner__path", "name"]

    def __str__(self):
        return f"{self.name} ({self.size_label})"

    @property
    def is_audio(self):
        return self.kind == BoardKind.AUDIO

    @property
    def size_label(self):
        return str(_("cụm loa")) if self.is_audio else f"{self.width}×{self.height}"

    @property
    def output_label(self):
        """What the board receives: a loudspeaker cluster gets sound, whatever `output` holds."""
        return str(_("Âm thanh (MP3)")) if self.is_audio else self.get_output_display()

    @property
    def broadcast_schedule(self):
        """The broadcast times of day (datetime.time, sorted), [] when not set."""
        try:
            return list(parse_broadcast_times(self.broadcast_times))
        except ValueError:
            return []

    def clean_fields(self, exclude=None):
        if self.is_audio:
            self.width = self.height = None  # no screen: whatever size was typed is ignored
        super().clean_fields(exclude)

    def clean(self):
        super().clean()
        if self.is_audio:
            self.width = self.height = None  # no screen
            try:
                self.broadcast_times = format_broadcast_times(parse_broadcast_times(self.broadcast_times))
            except ValueError:
                pass  # the field's validator says why
        else:
            missing = {
                name: _("Cần kích thước điểm ảnh của bảng LED/LCD (ví dụ 384×192).")
                for name in ("width", "height")
                if not getattr(self, name)
            }
            if missing:
                raise ValidationError(missing)
        if self.width and self.height:
            ratio = max(self.width, self.height) / min(self.width, self.height)
            if ratio > 8:
                raise ValidationError(
                    {
                        "height": _("Tỷ lệ khung hình quá lệch (%(w)s×%(h)s, tối đa 8:1).")
                        % {"w": self.width, "h": self.height}
                    }
                )
        if not self.is_audio and self.width and self.height and self.layout and self.layout != BoardLayout.FULL:
            from boards.zones import zones_for  # loads the renderer (OpenCV): only when a layout is checked

            try:
                zones_for(self.layout, self.width, self.height, self.theme)
            except ValueError as exc:
                raise ValidationError({"layout": str(exc)}) from None
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": _("Cần nhập cả vĩ độ và kinh độ, hoặc bỏ trống cả hai.")})

    @property
    def size(self):
        return self.width, self.height

    @property
    def wants_images(self):
        return not self.is_audio and self.output in (BoardOutput.IMAGES, BoardOutput.BOTH)

    @property
    def wants_video(self):
        return not self.is_audio and self.output in (BoardOutput.VIDEO, BoardOutput.BOTH)

    def new_token(self):
        """A fresh player token: returned once, stored hashed (sha256 for the HTTP API, the
        broker's `$7$` hash for the channel, where it is the board's password)."""
        token = secrets.token_urlsafe(32)
        self.token_hash = hashlib.sha256(token.encode()).hexdigest()
        self.mqtt_hash = hash_password(token)
        self.credentials_at = timezone.now()
        return token

    def save(self, *args, **kwargs):
        # (De)activating a board changes who may connect to the broker (boards/broker.py).
        if self.pk is not None:
            before = Board.objects.filter(pk=self.pk).values_list("is_active", flat=True).first()
            if before is not None and before != self.is_active:
                self.credentials_at = timezone.now()
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "credentials_at"}
        super().save(*args, **kwargs)

    def is_operating(self, moment=None):
        moment = timezone.localtime(moment)
        hours = list(self.hours.all())
        if not hours:
            return True
        return any(h.weekday == moment.weekday() and h.start <= moment.time() < h.end for h in hours)

    @property
    def current_version(self):
        return self.versions.order_by("-number").first()


class BoardItemSetting(models.Model):
    """An editor's choice for one item on one board (docs/architecture.md, "The editor's playlist"):
    its place in the order, pinned to the front, its own duration, or left off this board. `key`
    is the composition's candidate key ("announcement:12", "news:40", "feed:7" …). The composer's
    rules stay in force: an emergency comes first and cannot be left off; an item outside its
    validity or dayparts does not play whatever is set here."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="item_settings")
    key = models.CharField(max_length=80)
    position = models.PositiveIntegerField(_("thứ tự"), null=True, blank=True)
    pinned = models.BooleanField(_("ghim lên đầu"), default=False)
    duration_s = models.PositiveSmallIntegerField(
        _("thời lượng (giây)"), null=True, blank=True, validators=[MinValueValidator(3), MaxValueValidator(600)]
    )
    excluded = models.BooleanField(_("không hiện trên bảng này"), default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("tuỳ chọn mục trên bảng")
        verbose_name_plural = _("tuỳ chọn mục trên bảng")
        constraints = [models.UniqueConstraint(fields=["board", "key"], name="board_item_setting_unique")]

    def __str__(self):
        return f"{self.board} · {self.key}"


class OperatingHours(Orderable):
    board = ParentalKey(Board, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("thứ"), choices=WEEKDAYS)
    start = models.TimeField(_("từ"), default=datetime.time(6, 0))
    end = models.TimeField(_("đến"), default=datetime.time(22, 0))
    brightness = models.PositiveSmallIntegerField(
        _("độ sáng (%)"),
        default=100,
        validators=[MinValueValidator(5), MaxValueValidator(100)],
        help_text=_("Độ sáng màn hình trong khung giờ này; ngoài mọi khung giờ màn hình tắt."),
    )

    panels = [FieldRowPanel([FieldPanel("weekday"), FieldPanel("start"), FieldPanel("end"), FieldPanel("brightness")])]

    class Meta(Orderable.Meta):
        verbose_name = _("giờ hoạt động")

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("Giờ kết thúc phải sau giờ bắt đầu.")})


class MediaSlide(ClusterableModel):
    """A picture (or a video clip) uploaded to play on a unit's boards for a while."""

    owner = models.ForeignKey("wagtailcore.Page", verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("tiêu đề"), max_length=200)
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("ảnh"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    picture_fit = picture_fit_field()
    video = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("video (MP4)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    duration_seconds = models.PositiveSmallIntegerField(
        _("thời lượng (giây)"), null=True, blank=True, validators=[MinValueValidator(3), MaxValueValidator(3600)]
    )
    priority = models.CharField(
        _("mức ưu tiên"), max_length=10, default="normal", choices=[("normal", _("Thường")), ("priority", _("Ưu tiên"))]
    )
    valid_from = models.DateTimeField(_("hiện từ"), default=timezone.now)
    valid_until = models.DateTimeField(_("hiện đến"), null=True, blank=True)
    weekdays = models.CharField(
        _("các thứ trong tuần"),
        max_length=13,
        blank=True,
        help_text=_("Bỏ trống: mọi ngày. Ví dụ 0,1,2,3,4 là thứ Hai đến thứ Sáu."),
    )
    daily_start = models.TimeField(_("trong ngày từ"), null=True, blank=True)
    daily_end = models.TimeField(_("trong ngày đến"), null=True, blank=True)
    boards = ParentalManyToManyField(Board, verbose_name=_("chỉ trên các bảng"), blank=True, related_name="+")

    panels = [
        FieldPanel("owner"),
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("image"), FieldPanel("video")]),
        picture_fit_panel(),
        FieldRowPanel([FieldPanel("duration_seconds"), FieldPanel("priority")]),
        FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_until")], heading=_("Thời gian hiệu lực")),
        FieldRowPanel(
            [FieldPanel("weekdays"), FieldPanel("daily_start"), FieldPanel("daily_end")], heading=_("Khung giờ phát")
        ),
        FieldPanel("boards"),
    ]

    class Meta:
        verbose_name = _("trang trình chiếu tải lên")
        verbose_name_plural = _("trang trình chiếu tải lên")
        ordering = ["-valid_from"]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if bool(self.image_id) == bool(self.video_id):
            raise ValidationError(_("Chọn một ảnh hoặc một video (không chọn cả hai)."))
        if self.valid_until and self.valid_from and self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": _("Thời điểm kết thúc phải sau thời điểm bắt đầu.")})
        if (self.daily_start is None) != (self.daily_end is None):
            raise ValidationError({"daily_end": _("Cần cả giờ bắt đầu và giờ kết thúc trong ngày.")})
        if self.weekdays:
            try:
                days = {int(x) for x in self.weekdays.split(",") if x.strip()}
            except ValueError:
                days = {-1}
            if not days or not days <= set(range(7)):
                raise ValidationError(
                    {"weekdays": _("Ghi các số từ 0 (thứ Hai) đến 6 (Chủ nhật), cách nhau bởi dấu phẩy.")}
                )
        if self.image_id:
            width, height = self.image.width, self.image.height
            if width and height and max(width, height) / min(width, height) > 10:
                raise ValidationError(
                    {
                        "image": _("Ảnh quá dài hoặc quá hẹp (%(w)s×%(h)s, tối đa 10:1) để lên bảng.")
                        % {"w": width, "h": height}
                    }
                )
        if self.video_id:
            clip = self._probe_video()
            if not self.duration_seconds:  # the clip's own length, rounded up
                self.duration_seconds = max(3, min(3600, int(-(-clip.seconds // 1))))

    def _probe_video(self):
        from boards.video import probe_clip  # PyAV, OpenCV and NumPy are heavy: loaded only to check a clip

        try:
            try:
                return probe_clip(self.video.file.path)
            except NotImplementedError:  # remote storage: a local copy to read
                with tempfile.NamedTemporaryFile(suffix=".mp4") as copy, self.video.file.open("rb") as source:
                    for block in iter(lambda: source.read(1 << 20), b""):
                        copy.write(block)
                    copy.flush()
                    return probe_clip(copy.name)
        except ValueError as exc:
            raise ValidationError({"video": str(exc)}) from None


class RenderedFile(models.Model):
    """A rendered slide (PNG), playlist video (MP4) or audio bulletin (MP3), named by its sha256;
    never changes."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    kind = models.CharField(max_length=4)  # png | mp4 | mp3 | jpg (uploaded originals re-served)
    path = models.CharField(max_length=200)  # relative to MEDIA_ROOT: boards/<2 hex>/<sha256>.<ext>
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    duration_s = models.FloatField(null=True, blank=True)  # audio: seconds, counted by decoding
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tệp đã dựng")
        verbose_name_plural = _("tệp đã dựng")


class SlideCache(models.Model):
    """Which file a slide's inputs rendered to: only slides whose inputs changed render again."""

    key = models.CharField(max_length=64, primary_key=True)  # boards.slide.cache_key(...)
    file = models.ForeignKey(RenderedFile, on_delete=models.CASCADE, related_name="+")


class PlaylistVersion(models.Model):
    """What a board plays, as players fetch it; a new row whenever the items change."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    generated_at = models.DateTimeField(default=timezone.now)
    items = models.JSONField(
        default=list
    )  # [{id, kind, url, sha256, bytes, duration_s, valid_from, valid_to, priority, title}]
    video = models.ForeignKey(RenderedFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    fingerprint = models.CharField(max_length=64)  # sha256 of the items: the ETag
    emergency = models.BooleanField(default=False)
    # Loudspeaker clusters: {broadcast_times: ["06:00", "17:00"], emergency_repeat_s, timezone, utc_offset}
    schedule = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["board", "number"], name="unique_playlist_version")]

    def __str__(self):
        return f"{self.board} v{self.number}"


class RenderProblem(models.Model):
    """An item that could not be rendered for a board (skipped; the rest still plays)."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="problems")
    item_key = models.CharField(max_length=60)
    title = models.CharField(max_length=255, blank=True)
    message = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("lỗi dựng trang")
        verbose_name_plural = _("lỗi dựng trang")


# --- What players report back (Player API v1, boards/api.py) -----------------------------------


class BoardStatus(models.Model):
    """A board's last heartbeat, one row per board: "last seen", what it plays, its latest screenshot."""

    board = models.OneToOneField(Board, on_delete=models.CASCADE, primary_key=True, related_name="status")
    last_seen_at = models.DateTimeField(db_index=True)
    version = models.PositiveIntegerField(null=True, blank=True)
    playing = models.CharField(max_length=60, blank=True)
    cache_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    free_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    uptime_s = models.PositiveBigIntegerField(null=True, blank=True)
    player = models.CharField(max_length=120, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    screenshot = models.FileField(upload_to="boards/screenshots/", blank=True, max_length=200)
    screenshot_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("trạng thái bảng")
        verbose_name_plural = _("trạng thái bảng")


class Heartbeat(models.Model):
    """One heartbeat as a player sent it (kept for the board's history of errors and versions)."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="heartbeats")
    received_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(null=True, blank=True)
    playing = models.CharField(max_length=60, blank=True)
    cache_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    free_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    uptime_s = models.PositiveBigIntegerField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)
    player = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["board", "-received_at"], name="heartbeat_board_recent")]


class PlayRecord(models.Model):
    """Proof of play: an item started on a board at a moment, for so long. Replays are idempotent."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="plays")
    item_id = models.CharField(max_length=60)
    started_at = models.DateTimeField()
    duration_s = models.FloatField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["board", "item_id", "started_at"], name="unique_play_record")]


# --- Monitoring (boards/monitoring.py): online / offline, alerts, history for the chart --------


class BoardHealthState(models.TextChoices):
    NEVER = "never", _("chưa kết nối")
    ONLINE = "online", _("trực tuyến")
    OFFLINE = "offline", _("ngoại tuyến")


class BoardHealth(models.Model):
    """What the every-minute check last concluded about a board, and whether its editors were told."""

    board = models.OneToOneField(Board, on_delete=models.CASCADE, primary_key=True, related_name="health")
    state = models.CharField(max_length=7, choices=BoardHealthState.choices, default=BoardHealthState.NEVER)
    changed_at = models.DateTimeField(default=timezone.now)  # offline: the moment it went offline
    alerted_at = models.DateTimeField(null=True, blank=True)  # the offline alert of this outage, if sent
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tình trạng kết nối bảng")
        verbose_name_plural = _("tình trạng kết nối bảng")


class BoardEvent(models.Model):
    """A transition: a board went offline, or came back (with the downtime in the note)."""

    WENT_OFFLINE, CAME_BACK = "went_offline", "came_back"
    KINDS = [(WENT_OFFLINE, _("mất kết nối")), (CAME_BACK, _("hoạt động trở lại"))]

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=12, choices=KINDS)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("sự kiện kết nối bảng")
        verbose_name_plural = _("sự kiện kết nối bảng")
        indexes = [models.Index(fields=["board", "-at"], name="board_event_recent")]


class OnlineSample(models.Model):
    """How many of a unit's active boards were online at a check (at most every 5 minutes)."""

    at = models.DateTimeField(db_index=True)
    unit = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    online = models.PositiveIntegerField()
    total = models.PositiveIntegerField()

    class Meta:
        ordering = ["at"]
        indexes = [models.Index(fields=["unit", "at"], name="online_sample_unit_at")]


# --- The real-time channel (docs/architecture.md, "Real-time channel v1") ----------------------


class CommandKind(models.TextChoices):
    COLLECT = "collect", _("Cập nhật ngay")
    SCREENSHOT = "screenshot", _("Chụp màn hình")
    RESTART = "restart", _("Khởi động lại đầu phát")
    VOLUME = "volume", _("Đặt âm lượng")
    POWER = "power", _("Bật/tắt màn hình")
    LIVE = "live", _("Phát trực tiếp")
    LIVE_END = "live_end", _("Kết thúc phát trực tiếp")


class CommandState(models.TextChoices):
    PENDING = "pending", _("chờ gửi")
    SENT = "sent", _("đã gửi, chờ phản hồi")
    DONE = "done", _("đã thực hiện")
    FAILED = "failed", _("đầu phát báo lỗi")
    EXPIRED = "expired", _("quá hạn, không thực hiện")


class BoardCommand(models.Model):
    """A command to a board's player over the channel: inserted by the web or the worker, sent
    by `manage.py mqtt_sender` (again, same id, until acked or expired), acked by the player."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    board = models.ForeignKey(Board, verbose_name=_("bảng"), on_delete=models.CASCADE, related_name="commands")
    kind = models.CharField(_("lệnh"), max_length=10, choices=CommandKind.choices)
    args = models.JSONField(_("tham số"), default=dict, blank=True)
    state = models.CharField(_("trạng thái"), max_length=7, choices=CommandState.choices, default=CommandState.PENDING)
    created_at = models.DateTimeField(_("lúc yêu cầu"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người yêu cầu"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    acked_at = models.DateTimeField(_("phản hồi lúc"), null=True, blank=True)
    result = models.JSONField(_("kết quả"), default=dict, blank=True)
    message = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lệnh điều khiển bảng")
        verbose_name_plural = _("lệnh điều khiển bảng")
        indexes = [
            models.Index(fields=["state", "sent_at"], name="board_command_outbox"),
            models.Index(fields=["board", "-created_at"], name="board_command_recent"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.board}"


class ChannelLink(models.Model):
    """One row (pk 1): the sender's own heartbeat. Monitoring trusts the channel's presence only
    while the sender says, recently, that it is connected to the broker."""

    seen_at = models.DateTimeField()
    connected = models.BooleanField(default=False)
    broker = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("kết nối kênh thời gian thực")
        verbose_name_plural = _("kết nối kênh thời gian thực")


# --- External feeds and calendars on boards (boards/feeds.py) -----------------------------------


class FeedKind(models.TextChoices):
    AUTO = "auto", _("Tự nhận biết theo nội dung")
    RSS = "rss", _("Tin RSS/Atom")
    ICAL = "ical", _("Lịch iCal (.ics)")


def validate_feed_url(value):
    """Only http:// and https:// (no file:, ftp:, data: …): the worker fetches it."""
    from urllib.parse import urlsplit

    if urlsplit(value).scheme.lower() not in ("http", "https"):
        raise ValidationError(_("Chỉ nhận địa chỉ bắt đầu bằng http:// hoặc https://."))


class FeedSource(models.Model):
    """An RSS/Atom feed (the province portal's news, a weather service) or an iCal calendar
    (lịch tiếp công dân) whose entries a unit shows on its boards: as slides, in the scrolling
    line, in the side panel. Read by the worker every `refresh_minutes` (boards/feeds.py); a
    failed read keeps the entries it had and says why in `last_error`."""

    owner = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("đơn vị"),
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Xã, huyện hoặc tỉnh có bảng hiện nguồn này."),
    )
    name = models.CharField(
        _("tên nguồn"), max_length=120, help_text=_("Ví dụ: Cổng thông tin tỉnh, Lịch tiếp công dân.")
    )
    url = models.URLField(
        _("địa chỉ nguồn"),
        max_length=500,
        validators=[validate_feed_url],
        help_text=_("Đường dẫn RSS/Atom (thường kết thúc bằng .rss, .xml, /feed) hoặc lịch .ics."),
    )
    kind = models.CharField(_("loại nguồn"), max_length=4, choices=FeedKind.choices, default=FeedKind.AUTO)
    show_as_slides = models.BooleanField(_("hiện thành trang trình chiếu"), default=True)
    show_in_ticker = models.BooleanField(_("hiện ở dòng chữ chạy"), default=False)
    show_in_panel = models.BooleanField(_("hiện ở cột bên"), default=False)
    show_inside = models.BooleanField(
        _("hiện cả trên bảng của các đơn vị trực thuộc"),
        default=False,
        help_text=_("Ví dụ: nguồn của tỉnh hiện trên bảng của mọi huyện, xã trong tỉnh."),
    )
    refresh_minutes = models.PositiveSmallIntegerField(
        _("đọc lại sau mỗi (phút)"), default=30, validators=[MinValueValidator(5), MaxValueValidator(1440)]
    )
    entry_hours = models.PositiveSmallIntegerField(
        _("tin hiện trong (giờ)"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("Tin RSS/Atom: hiện trên bảng chừng ấy giờ kể từ lúc đăng."),
    )
    max_entries = models.PositiveSmallIntegerField(
        _("số mục tối đa"), default=5, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    days_ahead = models.PositiveSmallIntegerField(
        _("lịch: hiện trước (ngày)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Lịch iCal: một sự kiện hiện từ chừng ấy ngày trước khi bắt đầu đến khi kết thúc."),
    )
    is_active = models.BooleanField(_("đang dùng"), default=True)
    # Kept by the system (boards/feeds.py).
    last_fetched_at = models.DateTimeField(_("đọc lần cuối"), null=True, blank=True, editable=False)
    last_ok_at = models.DateTimeField(_("đọc được lần cuối"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True, editable=False)
    last_skipped = models.TextField(_("mục bị bỏ qua"), blank=True, editable=False)  # one reason a line
    # The last time the content itself was read (not a 304): a calendar is read again in full
    # twice a day, for its recurring events to move forward into the window.
    last_parsed_at = models.DateTimeField(null=True, blank=True, editable=False)
    etag = models.CharField(max_length=200, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)

    panels = [
        FieldPanel("owner"),
        FieldPanel("name"),
        FieldPanel("url"),
        FieldPanel("kind"),
        MultiFieldPanel(
            [FieldPanel("show_as_slides"), FieldPanel("show_in_ticker"), FieldPanel("show_in_panel")],
            heading=_("Hiện ở đâu"),
        ),
        FieldPanel("show_inside"),
        FieldRowPanel([FieldPanel("refresh_minutes"), FieldPanel("max_entries")]),
        FieldRowPanel([FieldPanel("entry_hours"), FieldPanel("days_ahead")]),
        FieldPanel("is_active"),
    ]

    class Meta:
        verbose_name = _("nguồn tin ngoài")
        verbose_name_plural = _("nguồn tin ngoài")
        ordering = ["name"]

    def __str__(self):
        return self.name


class FeedEntry(models.Model):
    """One item of a feed, or one occurrence of a calendar event, as plain text (boards/feeds.py
    strips every tag). Shown from `valid_from` to `valid_until`: publication + the source's hours
    for news; the days ahead before the start to the end for an event."""

    source = models.ForeignKey(FeedSource, on_delete=models.CASCADE, related_name="entries")
    guid = models.CharField(max_length=500)
    title = models.CharField(_("tiêu đề"), max_length=300)
    summary = models.TextField(_("tóm tắt"), blank=True)
    link = models.URLField(_("đường dẫn"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("đăng lúc"), null=True, blank=True)
    starts_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    ends_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    all_day = models.BooleanField(_("cả ngày"), default=False)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mục nguồn tin ngoài")
        verbose_name_plural = _("mục nguồn tin ngoài")
        constraints = [models.UniqueConstraint(fields=["source", "guid"], name="unique_feed_entry_guid")]
        indexes = [models.Index(fields=["source", "valid_until"], name="feed_entry_source_until")]

    def __str__(self):
        return self.title
