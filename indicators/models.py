"""Who signs a province's or district's periodic report and to whom it goes.

The PDF (indicators/report.py) ends as an administrative document does (Nghị định
30/2020/NĐ-CP): the signature block on the right — the authority ("TM. ỦY BAN NHÂN DÂN"),
the delegation ("KT. CHỦ TỊCH"), the signer's title ("PHÓ CHỦ TỊCH") and name — and "Nơi
nhận:" on the left. Each area may set its own (admin: "Người ký, nơi nhận" beside the
indicators); an area with none gets `ReportSigning.default_for(area)`, not saved.
"""

from fractions import Fraction

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


# --- The ministry's indicators: targets, the district communication centres, site checks ---------

INDICATOR_CODES = [
    ("1.1", _("1.1 · Xã, phường, thị trấn có loa truyền thanh tới mọi thôn, tổ dân phố")),
    ("1.2", _("1.2 · Xã, phường, thị trấn có đài truyền thanh ứng dụng CNTT-VT")),
    ("1.3", _("1.3 · Phường, thị trấn có trang thông tin điện tử")),
    ("1.4", _("1.4 · Xã có trang thông tin điện tử")),
    ("1.5", _("1.5 · Phường, thị trấn có bảng điện tử công cộng")),
    ("1.6", _("1.6 · Xã có bảng điện tử công cộng")),
    ("2.1", _("2.1 · Huyện có trung tâm truyền thông cấp huyện")),
    ("2.2", _("2.2 · Huyện có bảng điện tử cỡ lớn kết nối hệ thống thông tin nguồn")),
    ("3", _("3 · Tỉnh có hệ thống thông tin nguồn")),
    ("so-nganh", _("Sở, ngành cung cấp thông tin thiết yếu trên hệ thống thông tin nguồn")),
    ("huyen-cung-cap", _("Huyện cung cấp thông tin thiết yếu trên hệ thống thông tin nguồn")),
]
FIRST_YEAR, LAST_YEAR = 2021, 2030


class TargetSource(models.TextChoices):
    MINISTRY = "bo", _("Bộ TT&TT (toàn quốc)")
    PROVINCE = "tinh", _("Tỉnh (chỉ tiêu riêng)")


class AppliesTo(models.TextChoices):
    """Part of the districts a 2.2 target is about (provinces set 100 % for towns, 80 % for huyện)."""

    ALL = "", _("Toàn bộ")
    TOWNS = "do_thi", _("Thành phố, thị xã, quận")
    RURAL = "huyen", _("Huyện")


class Comparison(models.TextChoices):
    AT_LEAST = "gte", _("từ … trở lên (≥)")
    ABOVE = "gt", _("trên … (>)")


def _validate_year(value):
    from django.core.exceptions import ValidationError

    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise ValidationError(f"Năm phải từ {FIRST_YEAR} đến {LAST_YEAR}.")


def _validate_percent(value):
    from django.core.exceptions import ValidationError

    if value is None or not 0 <= value <= 100:
        raise ValidationError("Chỉ tiêu là một tỷ lệ phần trăm từ 0 đến 100.")


class IndicatorTarget(models.Model):
    """A yearly target of one of the ministry's indicators: the ministry's (national, `area`
    empty, shipped from data/indicator_targets.csv) or a province's own stricter one (`area`
    the province). Met when the actual rate is ≥ (or >) `value` (indicators/numbered.py)."""

    code = models.CharField(_("chỉ tiêu"), max_length=16, choices=INDICATOR_CODES)
    year = models.PositiveSmallIntegerField(_("năm"), validators=[_validate_year])
    value = models.DecimalField(_("chỉ tiêu (%)"), max_digits=4, decimal_places=1, validators=[_validate_percent])
    comparison = models.CharField(_("so sánh"), max_length=3, choices=Comparison.choices, default=Comparison.AT_LEAST)
    applies_to = models.CharField(
        _("áp dụng cho"),
        max_length=8,
        choices=AppliesTo.choices,
        default=AppliesTo.ALL,
        blank=True,
        help_text=_("Chỉ tiêu 2.2 có thể tách: thành phố, thị xã 100 %; huyện 80 %."),
    )
    source = models.CharField(_("nguồn"), max_length=4, choices=TargetSource.choices, default=TargetSource.PROVINCE)
    area = models.ForeignKey(
        "areas.AreaPage",
        verbose_name=_("tỉnh"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="indicator_targets",
        help_text=_("Để trống với chỉ tiêu của Bộ."),
    )
    note = models.CharField(_("ghi chú"), max_length=200, blank=True, help_text=_("Ví dụ: 70–100 %; theo KH số …"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chỉ tiêu kế hoạch")
        verbose_name_plural = _("chỉ tiêu kế hoạch")
        ordering = ["year", "code", "source", "applies_to"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "year", "applies_to"],
                condition=models.Q(source="bo"),
                name="unique_ministry_target",
                violation_error_message="Chỉ tiêu này của Bộ cho năm đó đã có.",
            ),
            models.UniqueConstraint(
                fields=["area", "code", "year", "applies_to"],
                condition=models.Q(source="tinh"),
                name="unique_province_target",
                violation_error_message="Tỉnh đã có chỉ tiêu này cho năm đó.",
            ),
        ]

    def __str__(self):
        return f"{self.code} · {self.year} · {self.value_text}"

    @property
    def value_text(self):
        number = f"{self.value:.1f}".rstrip("0").rstrip(".").replace(".", ",")
        return f"{'>' if self.comparison == Comparison.ABOVE else '≥'} {number} %"

    def is_met(self, rate):
        """rate (0–1: a Fraction, e.g. count/total, or a float; None) against the target; None when
        there is nothing to judge. Compared exactly, not after rounding: 2,499 of 2,500 (99,96 %,
        shown as 100,0 %) does not meet "≥ 100 %", and 7 of 10 does not meet "> 70 %"."""
        if rate is None:
            return None
        if not isinstance(rate, Fraction):
            rate = Fraction(rate).limit_denominator(10**9)  # 0.7 is 7/10, not 0.69999…
        percent = rate * 100
        value = Fraction(str(self.value))  # "85.3" is 853/10 whatever type holds it
        return percent > value if self.comparison == Comparison.ABOVE else percent >= value


class CommunicationCentre(models.Model):
    """Indicator 2.1: a district's communication centre (trung tâm truyền thông, or văn hoá – thể
    thao – truyền thông cấp huyện), as registered by the district or province."""

    owner = models.ForeignKey(
        "areas.AreaPage", verbose_name=_("huyện"), on_delete=models.CASCADE, related_name="communication_centres"
    )
    name = models.CharField(_("tên trung tâm"), max_length=200)
    decision_number = models.CharField(_("số quyết định thành lập"), max_length=60, blank=True)
    decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    is_operating = models.BooleanField(_("đang hoạt động"), default=True)
    note = models.TextField(_("ghi chú"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("trung tâm truyền thông cấp huyện")
        verbose_name_plural = _("trung tâm truyền thông cấp huyện")
        ordering = ["owner__path", "name"]

    def __str__(self):
        return self.name


class SiteCheck(models.Model):
    """One real HTTP GET of a commune site's home (indicators/sitecheck.py): does it exist and answer?"""

    commune = models.ForeignKey(
        "areas.CommuneHomePage", verbose_name=_("xã"), on_delete=models.CASCADE, related_name="site_checks"
    )
    url = models.CharField(_("địa chỉ"), max_length=300)
    checked_at = models.DateTimeField(_("thời điểm kiểm tra"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("mã trả lời"), null=True, blank=True)
    ok = models.BooleanField(_("trả lời tốt"), default=False)
    ms = models.PositiveIntegerField(_("thời gian (ms)"), null=True, blank=True)
    error = models.CharField(_("lỗi"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("lần kiểm tra trang xã")
        verbose_name_plural = _("lần kiểm tra trang xã")
        indexes = [models.Index(fields=["commune", "checked_at"], name="sitecheck_commune_at")]
        ordering = ["-checked_at"]

    def __str__(self):
        return f"{self.url} · {self.status_code or self.error}"
