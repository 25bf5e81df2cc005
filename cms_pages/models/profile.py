"""The commune profile as the regulations ask (Nghị định 42/2022, 224/2026): natural
conditions, economy and society, history and culture, relics and landscapes, the
administrative apparatus, the leaders; contacts; links to online administrative procedures."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms_pages.models.content import RICH_FEATURES, SectionPage
from core.page_cache import CachedPageMixin

PROFILE_SECTIONS = [
    ("natural_conditions", _("Điều kiện tự nhiên")),
    ("economy_society", _("Kinh tế – xã hội")),
    ("history_culture", _("Lịch sử, văn hoá")),
    ("relics_landscapes", _("Di tích, danh thắng")),
    ("apparatus", _("Cơ cấu tổ chức bộ máy")),
]


class ProfilePage(CachedPageMixin, SectionPage):
    """Giới thiệu: one page with the parts of the profile and the leaders."""

    natural_conditions = RichTextField(
        _("điều kiện tự nhiên"),
        blank=True,
        features=RICH_FEATURES,
        help_text=_("Vị trí địa lý, diện tích, dân số, ranh giới, địa hình, khí hậu."),
    )
    economy_society = RichTextField(_("kinh tế – xã hội"), blank=True, features=RICH_FEATURES)
    history_culture = RichTextField(_("lịch sử, văn hoá"), blank=True, features=RICH_FEATURES)
    relics_landscapes = RichTextField(_("di tích, danh thắng"), blank=True, features=RICH_FEATURES)
    apparatus = RichTextField(
        _("cơ cấu tổ chức bộ máy"),
        blank=True,
        features=RICH_FEATURES,
        help_text=_("Đảng uỷ, HĐND, UBND, UBMTTQ và các đoàn thể; chức năng, nhiệm vụ."),
    )
    boundary_map = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("bản đồ địa giới"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    parent_page_types = ["areas.CommuneHomePage"]
    subpage_types = ["cms_pages.StandardPage"]
    content_panels = SectionPage.content_panels + [
        *(FieldPanel(name) for name, _label in PROFILE_SECTIONS),
        FieldPanel("boundary_map"),
        InlinePanel("leaders", label=_("lãnh đạo")),
    ]
    search_fields = Page.search_fields + [index.SearchField(name) for name, _label in PROFILE_SECTIONS]

    class Meta:
        verbose_name = _("trang giới thiệu")
        verbose_name_plural = _("trang giới thiệu")

    def get_template(self, request, *args, **kwargs):
        return "cms_pages/profile_page.html"

    def parts(self):
        return [(label, getattr(self, name)) for name, label in PROFILE_SECTIONS if getattr(self, name)]


class Leader(Orderable):
    page = ParentalKey(ProfilePage, related_name="leaders", on_delete=models.CASCADE)
    name = models.CharField(_("họ và tên"), max_length=120)
    title = models.CharField(_("chức vụ"), max_length=200)
    photo = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("ảnh"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    duties = models.TextField(_("nhiệm vụ được phân công"), blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    biography = models.TextField(_("tiểu sử tóm tắt"), blank=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("title")]),
        FieldPanel("photo"),
        FieldPanel("duties"),
        FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
        FieldPanel("biography"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("lãnh đạo")
        verbose_name_plural = _("lãnh đạo")


class ContactPage(CachedPageMixin, SectionPage):
    """Liên hệ: the office, its hours, the people to call, and the online procedures."""

    office_name = models.CharField(_("cơ quan"), max_length=200, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    working_hours = models.CharField(_("giờ làm việc"), max_length=200, blank=True)
    latitude = models.DecimalField(_("vĩ độ"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("kinh độ"), max_digits=9, decimal_places=6, null=True, blank=True)

    parent_page_types = ["areas.CommuneHomePage"]
    subpage_types = []
    content_panels = SectionPage.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("office_name"),
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
                FieldPanel("working_hours"),
                FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
            ],
            heading=_("Trụ sở"),
        ),
        InlinePanel("contacts", label=_("đầu mối liên hệ")),
        InlinePanel("procedures", label=_("thủ tục hành chính trực tuyến")),
    ]

    class Meta:
        verbose_name = _("trang liên hệ")
        verbose_name_plural = _("trang liên hệ")

    def get_template(self, request, *args, **kwargs):
        return "cms_pages/contact_page.html"


class ContactEntry(Orderable):
    page = ParentalKey(ContactPage, related_name="contacts", on_delete=models.CASCADE)
    department = models.CharField(_("bộ phận"), max_length=200)
    person = models.CharField(_("người phụ trách"), max_length=120, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)

    panels = [FieldPanel("department"), FieldPanel("person"), FieldRowPanel([FieldPanel("phone"), FieldPanel("email")])]

    class Meta(Orderable.Meta):
        verbose_name = _("đầu mối liên hệ")
        verbose_name_plural = _("đầu mối liên hệ")


class ProcedureLink(Orderable):
    page = ParentalKey(ContactPage, related_name="procedures", on_delete=models.CASCADE)
    title = models.CharField(_("tên thủ tục"), max_length=250)
    url = models.URLField(_("đường dẫn dịch vụ công"), max_length=500)
    field = models.CharField(_("lĩnh vực"), max_length=120, blank=True)

    panels = [FieldPanel("title"), FieldPanel("url"), FieldPanel("field")]

    class Meta(Orderable.Meta):
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
