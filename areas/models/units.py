"""The area tree: AreaPage containers, portal homes, commune homes and their sections.

Root
└─ AreaPage "Tỉnh Trà Vinh"          (not a Site)
   ├─ PortalHomePage                 Site tra-vinh.<base>
   └─ AreaPage "Huyện Càng Long"
      ├─ PortalHomePage              Site cang-long.tra-vinh.<base>
      └─ CommuneHomePage …           Site an-truong.cang-long.tra-vinh.<base>

Commune homes are siblings of their portal's home, not its children (see docs/architecture.md).
Area and commune pages are created by `manage.py provision`, never by hand.
"""

from django.contrib.auth.models import Group
from django.db import models
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Collection, Page

from core.page_cache import CachedPageMixin
from core.text import fold_key


class UnitType(models.TextChoices):
    TINH = "tinh", _("Tỉnh")
    THANH_PHO = "thanh_pho", _("Thành phố")
    HUYEN = "huyen", _("Huyện")
    QUAN = "quan", _("Quận")
    THI_XA = "thi_xa", _("Thị xã")
    XA = "xa", _("Xã")
    PHUONG = "phuong", _("Phường")
    THI_TRAN = "thi_tran", _("Thị trấn")
    DAC_KHU = "dac_khu", _("Đặc khu")


class Level(models.TextChoices):
    PROVINCE = "province", _("Cấp tỉnh")
    DISTRICT = "district", _("Cấp huyện")
    COMMUNE = "commune", _("Cấp xã")


class Structure(models.TextChoices):
    THREE_LEVELS = "2024", _("3 cấp (tỉnh – huyện – xã, đến 30/6/2025)")
    TWO_LEVELS = "2025", _("2 cấp (tỉnh – xã, từ 1/7/2025)")


class AdminUnitMixin(models.Model):
    """What an administrative unit carries, on its AreaPage or CommuneHomePage."""

    structure = models.CharField(_("cấu trúc"), max_length=4, choices=Structure.choices)
    code = models.CharField(_("mã đơn vị hành chính"), max_length=5, db_index=True)
    level = models.CharField(_("cấp"), max_length=8, choices=Level.choices)
    unit_type = models.CharField(_("loại đơn vị"), max_length=10, choices=UnitType.choices)
    short_name = models.CharField(_("tên"), max_length=100)
    editors_group = models.ForeignKey(
        Group, verbose_name=_("nhóm biên tập"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderators_group = models.ForeignKey(
        Group, verbose_name=_("nhóm kiểm duyệt"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    collection = models.ForeignKey(
        Collection,
        verbose_name=_("thư mục ảnh và tài liệu"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def full_name(self):
        return full_unit_name(self.unit_type, self.short_name)

    @property
    def name_in_sentence(self):
        """'xã An Trường', 'huyện Càng Long': the type word in lower case, as inside a phrase."""
        return f"{UnitType(self.unit_type).label.lower()} {self.short_name}"


def full_unit_name(unit_type, short_name):
    """'Phường' + '1' → 'Phường 1'; 'tinh' + 'Trà Vinh' → 'Tỉnh Trà Vinh'."""
    return f"{UnitType(unit_type).label} {short_name}"


class AreaPage(AdminUnitMixin, Page):
    """A province or district: a container in the tree, never served itself."""

    parent_page_types = ["wagtailcore.Page", "areas.AreaPage"]
    subpage_types = ["areas.AreaPage", "areas.PortalHomePage", "areas.CommuneHomePage"]
    is_creatable = False
    content_panels = [FieldPanel("title", read_only=True)]
    promote_panels = []

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        constraints = [
            models.UniqueConstraint(fields=["structure", "level", "code"], name="unique_area_code"),
        ]

    def serve(self, request, *args, **kwargs):
        raise Http404

    @cached_property
    def portal(self):
        return PortalHomePage.objects.child_of(self).first()


class PortalHomePage(CachedPageMixin, Page):
    """Home of a province or district portal: the first child of its AreaPage."""

    intro = RichTextField(_("lời giới thiệu"), blank=True)

    parent_page_types = ["areas.AreaPage"]
    subpage_types = [
        "cms_pages.NewsIndexPage",
        "cms_pages.AnnouncementIndexPage",
        "cms_pages.DocumentIndexPage",
        "sources.SourceIndexPage",
        "cms_pages.StandardPage",
    ]
    is_creatable = False
    max_count_per_parent = 1
    content_panels = Page.content_panels + [FieldPanel("intro")]

    class Meta:
        verbose_name = _("trang chủ cổng thông tin")
        verbose_name_plural = _("trang chủ cổng thông tin")

    @cached_property
    def area(self):
        return self.get_parent().specific

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        area = self.area
        # Districts under this area (2024 structure) and communes directly in it.
        child_areas = sorted(AreaPage.objects.child_of(area).live(), key=lambda a: fold_key(a.short_name))
        portals = {
            p.path[: -Page.steplen]: p
            for p in PortalHomePage.objects.filter(depth=area.depth + 2, path__startswith=area.path)
        }
        context["child_areas"] = [(child, portals.get(child.path)) for child in child_areas]
        communes = sorted(CommuneHomePage.objects.descendant_of(area).live(), key=lambda c: fold_key(c.short_name))
        context["communes"] = [c for c in communes if c.path.startswith(area.path) and c.depth == area.depth + 1]
        context["all_communes"] = communes
        context["sections"] = self.get_children().live().in_menu()
        return home_context(self, request, context)


def home_context(home, request, context):
    """What the apps above add to a portal's or commune's home (news, announcements, items pushed
    down …): each Wagtail hook "construct_home_context" is called with (home, request, context)."""
    for hook in hooks.get_hooks("construct_home_context"):
        hook(home, request, context)
    return context


class CommuneHomePage(CachedPageMixin, AdminUnitMixin, Page):
    """Home of one commune (xã, phường, thị trấn, đặc khu) website."""

    intro = RichTextField(_("lời giới thiệu"), blank=True)

    parent_page_types = ["areas.AreaPage"]
    subpage_types = [
        "cms_pages.NewsIndexPage",
        "cms_pages.AnnouncementIndexPage",
        "cms_pages.DocumentIndexPage",
        "cms_pages.ProfilePage",
        "cms_pages.ContactPage",
        "inquiries.QuestionIndexPage",
        "cms_pages.StandardPage",
    ]
    is_creatable = False
    content_panels = Page.content_panels + [FieldPanel("intro")]

    class Meta:
        verbose_name = _("trang chủ xã")
        verbose_name_plural = _("trang chủ xã")
        constraints = [
            models.UniqueConstraint(fields=["structure", "code"], name="unique_commune_code"),
        ]

    @property
    def site_title(self):
        return f"Trang thông tin điện tử {self.name_in_sentence}"

    @cached_property
    def area(self):
        """The district (2024) or province (2025) this commune sits in."""
        return self.get_parent().specific

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["area"] = self.area
        context["portal"] = self.area.portal
        context["sections"] = list(self.get_children().live().in_menu())
        return home_context(self, request, context)
