"""Per-site settings (wagtail.contrib.settings): identity, contacts, footer, theme, voice."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Page

from areas.models.units import AreaPage


def theme_choices():
    themes_dir = settings.THEMES_DIR
    names = sorted(p.name for p in themes_dir.iterdir() if (p / "static").is_dir()) if themes_dir.exists() else []
    labels = {"default": _("Mặc định"), "high_contrast": _("Tương phản cao")}
    return [(name, labels.get(name, name)) for name in names]


# The regional voices of the speech engine (speech: VOICES, VOICE_LABELS), spelled out
# here so that loading the models does not load the speech engine.
VOICES = ("bac", "trung", "nam")
VOICE_CHOICES = [
    ("", _("Tự động theo vùng của tỉnh")),
    ("bac", _("Giọng miền Bắc")),
    ("trung", _("Giọng miền Trung")),
    ("nam", _("Giọng miền Nam")),
]


def region_voice(province_code):
    """The regional voice of a province by its official code (GSO's list runs from north to
    south: 01–37 the Red River Delta and the northern midlands and mountains, 38–68 the north
    central and south central coast and the Central Highlands, 70–96 the South East and the
    Mekong Delta, in both the 2024 and the 2025 lists). None for anything else."""
    try:
        code = int(str(province_code))
    except (TypeError, ValueError):
        return None
    if 1 <= code <= 37:
        return "bac"
    if 38 <= code <= 69:
        return "trung"
    if 70 <= code <= 99:
        return "nam"
    return None


@register_setting(icon="site")
class SiteIdentity(BaseSiteSetting):
    display_name = models.CharField(
        _("tên hiển thị"), max_length=200, blank=True, help_text=_("Để trống: dùng tên đơn vị.")
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    agency = models.CharField(
        _("cơ quan chủ quản"), max_length=200, blank=True, help_text=_("Ví dụ: Uỷ ban nhân dân xã An Trường")
    )
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    responsible_person = models.CharField(_("người chịu trách nhiệm nội dung"), max_length=120, blank=True)
    responsible_title = models.CharField(_("chức vụ người chịu trách nhiệm"), max_length=120, blank=True)
    footer_text = models.TextField(_("chân trang"), blank=True, max_length=1000)
    theme = models.CharField(_("giao diện"), max_length=40, default="default")
    facebook_url = models.URLField(_("Facebook"), blank=True)
    zalo_url = models.URLField(_("Zalo"), blank=True)
    youtube_url = models.URLField(_("YouTube"), blank=True)
    voice = models.CharField(
        _("giọng đọc"),
        max_length=5,
        blank=True,
        default="",
        choices=VOICE_CHOICES,
        help_text=_(
            "Giọng đọc thông báo trên cụm loa truyền thanh và ở nút “Nghe thông báo”. Tự động: giọng "
            "vùng của tỉnh (miền Bắc, miền Trung hoặc miền Nam)."
        ),
    )

    panels = [
        MultiFieldPanel([FieldPanel("display_name"), FieldPanel("logo"), FieldPanel("agency")], heading=_("Nhận diện")),
        MultiFieldPanel(
            [
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
                FieldRowPanel([FieldPanel("responsible_person"), FieldPanel("responsible_title")]),
                FieldPanel("footer_text"),
            ],
            heading=_("Chân trang"),
        ),
        FieldPanel("theme", widget=forms.Select(choices=theme_choices)),
        FieldPanel("voice"),
        MultiFieldPanel(
            [FieldPanel("facebook_url"), FieldPanel("zalo_url"), FieldPanel("youtube_url")], heading=_("Mạng xã hội")
        ),
    ]

    class Meta:
        verbose_name = _("thông tin trang web")

    def clean(self):
        if self.theme not in dict(theme_choices()):
            raise ValidationError({"theme": _("Giao diện %(theme)s không có.") % {"theme": self.theme}})

    def name_for(self, site):
        return self.display_name or (site.site_name if site else "")

    def speech_voice(self):
        """The voice this site's bulletins are read with: its own choice, else its province's
        region (by the province code), else TTS_DEFAULT_VOICE."""
        if self.voice in VOICES:
            return self.voice
        voice = region_voice(province_code_of(self.site.root_page_id)) if self.site_id else None
        if voice is None:
            voice = getattr(settings, "TTS_DEFAULT_VOICE", "") or "bac"
        return voice


def province_code_of(page_id):
    """The official code of the province whose area tree holds the page, or None."""
    page = Page.objects.filter(pk=page_id).only("path").first()
    if page is None:
        return None
    return (
        AreaPage.objects.ancestor_of(page, inclusive=True)
        .filter(level="province")
        .values_list("code", flat=True)
        .first()
    )


def voice_for_site(site):
    """The speech voice of a Wagtail Site (TTS_DEFAULT_VOICE when there is none)."""
    if site is None:
        return getattr(settings, "TTS_DEFAULT_VOICE", "") or "bac"
    return SiteIdentity.for_site(site).speech_voice()
