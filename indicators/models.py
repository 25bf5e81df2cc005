"""Who signs a province's or district's periodic report and to whom it goes.

The PDF (indicators/report.py) ends as an administrative document does (Nghị định
30/2020/NĐ-CP): the signature block on the right — the authority ("TM. ỦY BAN NHÂN DÂN"),
the delegation ("KT. CHỦ TỊCH"), the signer's title ("PHÓ CHỦ TỊCH") and name — and "Nơi
nhận:" on the left. Each area may set its own (admin: "Người ký, nơi nhận" beside the
indicators); an area with none gets `ReportSigning.default_for(area)`, not saved.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_SYMBOL = "BC-UBND"
DEFAULT_AUTHORITY = "TM. ỦY BAN NHÂN DÂN"
DEFAULT_DELEGATION = "KT. CHỦ TỊCH"
DEFAULT_SIGNER_TITLE = "PHÓ CHỦ TỊCH"


class ReportSigning(models.Model):
    area = models.OneToOneField(
        "areas.AreaPage", verbose_name=_("địa bàn"), on_delete=models.CASCADE, related_name="report_signing"
    )
    symbol = models.CharField(
        _("ký hiệu văn bản"),
        max_length=30,
        default=DEFAULT_SYMBOL,
        help_text=_("Phần sau số văn bản: “Số: …/BC-UBND”. Số do văn thư ghi khi ban hành."),
    )
    authority = models.CharField(
        _("thẩm quyền ký"),
        max_length=120,
        blank=True,
        default=DEFAULT_AUTHORITY,
        help_text=_("Ví dụ: TM. ỦY BAN NHÂN DÂN. Để trống khi người đứng đầu ký trực tiếp."),
    )
    delegation = models.CharField(
        _("ký thay, thừa lệnh"),
        max_length=120,
        blank=True,
        default=DEFAULT_DELEGATION,
        help_text=_("Ví dụ: KT. CHỦ TỊCH. Để trống khi Chủ tịch ký."),
    )
    signer_title = models.CharField(_("chức vụ người ký"), max_length=120, default=DEFAULT_SIGNER_TITLE)
    signer_name = models.CharField(
        _("họ và tên người ký"), max_length=100, blank=True, help_text=_("Để trống: ký và ghi tên bằng tay.")
    )
    recipients = models.TextField(
        _("nơi nhận"),
        max_length=2000,
        blank=True,
        help_text=_("Mỗi dòng một nơi nhận, ví dụ: UBND tỉnh (để báo cáo); dòng cuối: Lưu: VT."),
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = _("người ký, nơi nhận báo cáo")
        verbose_name_plural = _("người ký, nơi nhận báo cáo")

    def __str__(self):
        return f"{self.area} · {self.signer_title}"

    @classmethod
    def for_area(cls, area):
        """The area's own, or the default (unsaved)."""
        return cls.objects.filter(area=area).first() or cls.default_for(area)

    @classmethod
    def default_for(cls, area):
        lines = []
        parent = area.get_parent().specific if area.level == "district" else None
        if parent is not None and getattr(parent, "level", "") == "province":
            lines.append(f"UBND {parent.name_in_sentence} (để báo cáo);")
        lines += [f"Chủ tịch, các Phó Chủ tịch UBND {area.name_in_sentence};", "Lưu: VT."]
        return cls(area=area, recipients="\n".join(lines))

    @property
    def signature_lines(self):
        """The block's lines above the signature, upper case as printed."""
        return [line.strip().upper() for line in (self.authority, self.delegation, self.signer_title) if line.strip()]

    @property
    def recipient_lines(self):
        """'- UBND tỉnh Trà Vinh (để báo cáo);' …: one per non-empty line, with its dash."""
        lines = []
        for line in self.recipients.splitlines():
            line = line.strip().lstrip("-–•").strip()
            if line:
                lines.append(f"- {line}")
        return lines
