"""Installations that talk to each other (docs/architecture.md, "Between installations").

- Peer: another installation (the national source system, a province, a district's own
  installation): its address, its Ed25519 public key, its role, the units of ours it may target
  and the area of ours it speaks with (`owner`, a province or district).
- OutgoingMessage: the outbox, sent by the worker with retries (exchange/outbox.py).
- InboxEntry: every message that arrived, accepted or refused, with the reason (the log screen).
- SeenNonce: nonces already used, kept past the clock window: a replay is refused.
- ReceivedItem: which page or programme of ours holds a peer's item (peer, kind, remote id), so
  an update or a withdrawal reaches the same row and a repeat changes nothing.
- PeerReport: indicators and device status sent up by a peer.
"""

import base64
import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def fingerprint(public_key_b64):
    """The key id of a public key: "ed25519:" + the first 16 bytes of its SHA-256, in hex. Both
    sides compute it from the key itself, so nothing else needs agreeing on."""
    raw = base64.b64decode(public_key_b64.strip(), validate=True)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:32]


def split_codes(text):
    return [
        code for code in (part.strip() for part in (text or "").replace(";", ",").replace("\n", ",").split(",")) if code
    ]


class PeerRole(models.TextChoices):
    UPSTREAM = "upstream", _("Cấp trên (gửi số liệu lên, nhận thông tin nguồn từ đây)")
    DOWNSTREAM = "downstream", _("Cấp dưới (gửi thông tin nguồn xuống, nhận số liệu từ đây)")
    BOTH = "both", _("Cả hai chiều")


class Peer(models.Model):
    owner = models.ForeignKey(
        "areas.AreaPage",
        verbose_name=_("địa bàn của ta"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Tỉnh (hoặc huyện) của hệ thống này trao đổi với hệ thống kia: thông tin nhận được vào chuyên mục "
            "Thông tin nguồn của cổng này; số liệu gửi lên là của địa bàn này."
        ),
    )
    name = models.CharField(
        _("tên hệ thống"), max_length=200, help_text=_("Ví dụ: Hệ thống thông tin nguồn trung ương.")
    )
    base_url = models.URLField(
        _("địa chỉ"), max_length=300, help_text=_("Địa chỉ gốc của hệ thống kia, ví dụ https://nguon.gov.vn.")
    )
    public_key = models.CharField(
        _("khoá công khai"),
        max_length=100,
        help_text=_("Khoá công khai Ed25519 (base64) do hệ thống kia cung cấp: lệnh manage.py exchange_keys in ra."),
    )
    key_id = models.CharField(_("mã khoá"), max_length=60, unique=True, editable=False)
    role = models.CharField(_("vai trò"), max_length=10, choices=PeerRole.choices, default=PeerRole.UPSTREAM)
    subscriptions = models.TextField(
        _("đơn vị được nhận"),
        blank=True,
        help_text=_(
            "Mã đơn vị hành chính của ta (tỉnh, huyện, xã) mà hệ thống kia được gửi tới, cách nhau bằng dấu phẩy; "
            "gồm cả các đơn vị bên trong. Để trống: cả địa bàn của ta."
        ),
    )
    is_active = models.BooleanField(_("đang kết nối"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("hệ thống liên thông")
        verbose_name_plural = _("hệ thống liên thông")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.public_key = (self.public_key or "").strip()
        self.key_id = fingerprint(self.public_key)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        try:
            raw = base64.b64decode((self.public_key or "").strip(), validate=True)
        except (ValueError, TypeError):
            raw = b""
        if len(raw) != 32:
            raise ValidationError({"public_key": _("Khoá công khai không hợp lệ: cần 32 byte Ed25519 viết base64.")})
        taken = Peer.objects.filter(key_id=fingerprint(self.public_key)).exclude(pk=self.pk).first()
        if taken is not None:
            raise ValidationError({"public_key": _("Khoá này đã dùng cho hệ thống “%(name)s”.") % {"name": taken.name}})
        if self.base_url and not self.base_url.lower().startswith(("http://", "https://")):
            raise ValidationError({"base_url": _("Chỉ nhận địa chỉ http:// hoặc https://.")})
        if self.owner_id and self.owner.level == "commune":
            raise ValidationError({"owner": _("Chọn tỉnh hoặc huyện.")})
        if self.owner_id:
            from exchange.units import unknown_codes

            unknown = unknown_codes(self.owner, self.subscription_codes)
            if unknown:
                raise ValidationError(
                    {
                        "subscriptions": _("Mã không thuộc %(area)s: %(codes)s.")
                        % {"area": self.owner.title, "codes": ", ".join(unknown)}
                    }
                )

    @property
    def subscription_codes(self):
        return split_codes(self.subscriptions)

    @property
    def is_downstream(self):
        """We send it source items, alerts and programmes; it sends us its figures."""
        return self.role in (PeerRole.DOWNSTREAM, PeerRole.BOTH)

    @property
    def is_upstream(self):
        """We send it our figures; it sends us source items, alerts and programmes."""
        return self.role in (PeerRole.UPSTREAM, PeerRole.BOTH)

    def url(self, path):
        return self.base_url.rstrip("/") + path


class MessageKind(models.TextChoices):
    SOURCE_ITEM = "source_item", _("Thông tin nguồn")
    ALERT = "alert", _("Cảnh báo khẩn cấp")
    PROGRAMME = "programme", _("Chương trình phát thanh")
    INDICATORS = "indicators", _("Chỉ tiêu, số liệu")
    DEVICE_STATUS = "device_status", _("Tình trạng thiết bị")


class OutgoingState(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Lỗi, sẽ gửi lại")
    GAVE_UP = "gave_up", _("Thôi gửi")


class OutgoingMessage(models.Model):
    peer = models.ForeignKey(Peer, verbose_name=_("gửi tới"), on_delete=models.CASCADE, related_name="outbox")
    kind = models.CharField(_("loại"), max_length=16, choices=MessageKind.choices)
    message_id = models.CharField(_("mã bản tin"), max_length=64, unique=True)
    subject = models.CharField(_("nội dung"), max_length=300, blank=True)
    object_key = models.CharField(max_length=80, blank=True, db_index=True)  # "page:12", "programme:3"
    body = models.JSONField(_("bản tin"))
    state = models.CharField(
        _("trạng thái"), max_length=8, choices=OutgoingState.choices, default=OutgoingState.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("số lần gửi"), default=0)
    next_attempt_at = models.DateTimeField(_("gửi lúc"), default=timezone.now, db_index=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    last_status = models.PositiveIntegerField(_("mã trả lời"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now)
    sent_at = models.DateTimeField(_("gửi được lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("bản tin gửi đi")
        verbose_name_plural = _("bản tin gửi đi")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject}"


class InboxEntry(models.Model):
    """One request that arrived on the API: accepted or refused, and why."""

    peer = models.ForeignKey(
        Peer, verbose_name=_("từ"), null=True, blank=True, on_delete=models.SET_NULL, related_name="inbox"
    )
    key_id = models.CharField(_("mã khoá"), max_length=200, blank=True)
    kind = models.CharField(_("loại"), max_length=16, blank=True)
    message_id = models.CharField(_("mã bản tin"), max_length=64, blank=True, db_index=True)
    path = models.CharField(_("địa chỉ"), max_length=200)
    status = models.PositiveIntegerField(_("mã trả lời"))
    accepted = models.BooleanField(_("đã nhận"), default=False)
    error_code = models.CharField(_("mã lỗi"), max_length=40, blank=True)
    message = models.TextField(_("kết quả"), blank=True)
    remote_addr = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    at = models.DateTimeField(_("lúc"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("bản tin nhận")
        verbose_name_plural = _("nhật ký nhận")
        ordering = ["-at", "-pk"]


class SeenNonce(models.Model):
    key_id = models.CharField(max_length=60)
    nonce = models.CharField(max_length=100)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key_id", "nonce"], name="exchange_nonce_once")]


class ReceivedItem(models.Model):
    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="received")
    kind = models.CharField(_("loại"), max_length=16, choices=MessageKind.choices)
    remote_id = models.CharField(_("mã bên gửi"), max_length=100)
    version = models.PositiveIntegerField(_("phiên bản"), default=0)
    page = models.ForeignKey("wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    programme = models.ForeignKey(
        "station.Programme", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn = models.BooleanField(_("đã thu hồi"), default=False)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("nội dung nhận")
        verbose_name_plural = _("nội dung nhận")
        constraints = [
            models.UniqueConstraint(fields=["peer", "kind", "remote_id"], name="exchange_received_once"),
        ]


class PeerReport(models.Model):
    peer = models.ForeignKey(Peer, verbose_name=_("từ"), on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("loại"), max_length=16, choices=MessageKind.choices)
    unit_code = models.CharField(_("mã đơn vị"), max_length=5)
    unit_name = models.CharField(_("đơn vị"), max_length=200)
    period = models.CharField(_("kỳ"), max_length=40, blank=True)
    data = models.JSONField(_("số liệu"))
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    received_at = models.DateTimeField(_("nhận lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("số liệu nhận")
        verbose_name_plural = _("số liệu nhận")
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"{self.unit_name} · {self.get_kind_display()} · {self.period}"
