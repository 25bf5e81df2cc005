"""Per-site settings (wagtail.contrib.settings): identity, contacts, footer, theme."""

from django import forms
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


def theme_choices():
    themes_dir = settings.THEMES_DIR
    names = sorted(p.name for p in themes_dir.iterdir() if (p / "static").is_dir()) if themes_dir.exists() else []
    labels = {"default": _("Mặc định"), "high_contrast": _("Tương phản cao")}
    return [(name, labels.get(name, name)) for name in names]


@register_setting(icon="site")
class SiteIdentity(BaseSiteSetting):
    display_name = models.CharField(_("tên hiển thị"), max_length=200, blank=True,
                                    help_text=_("Để trống: dùng tên đơn vị."))
    logo = models.ForeignKey("wagtailimages.Image", verbose_name=_("logo"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    agency = models.CharField(_("cơ quan chủ quản"), max_length=200, blank=True,
                              help_text=_("Ví dụ: Uỷ ban nhân dân xã An Trường"))
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

    panels = [
        MultiFieldPanel([FieldPanel("display_name"), FieldPanel("logo"), FieldPanel("agency")], heading=_("Nhận diện")),
        MultiFieldPanel(
            [FieldPanel("address"), FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
             FieldRowPanel([FieldPanel("responsible_person"), FieldPanel("responsible_title")]),
             FieldPanel("footer_text")],
            heading=_("Chân trang"),
        ),
        FieldPanel("theme", widget=forms.Select(choices=theme_choices)),
        MultiFieldPanel([FieldPanel("facebook_url"), FieldPanel("zalo_url"), FieldPanel("youtube_url")],
                        heading=_("Mạng xã hội")),
    ]

    class Meta:
        verbose_name = _("thông tin trang web")

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.theme not in dict(theme_choices()):
            raise ValidationError({"theme": _("Giao diện %(theme)s không có.") % {"theme": self.theme}})

    def name_for(self, site):
        return self.display_name or (site.site_name if site else "")
