"""The area tree: AreaPage containers, portal homes, commune homes and their sections.

Root
└─ AreaPage "Tỉnh Trà Vinh"          (not a Site)
   ├─ PortalHomePage                 Site tra-vinh.<base>
   └─ AreaPage "Huyện Càng Long"
      ├─ PortalHomePage              Site cang-long.tra-vinh.<base>
      └─ CommuneHomePage …           Site an-truong.cang-long.tra-vinh.<base>

Commune homes are siblings of their portal's home, not its children (see DESIGN.md).
Area and commune pages are created by `manage.py provision`, never by hand.
"""

from django.contrib.auth.models import Group
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Collection, Page

from ..page_cache import CachedPageMixin
from ..text import fold_key


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
        Collection, verbose_name=_("thư mục ảnh và tài liệu"), null=True, blank=True, on_delete=models.SET_NULL,
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

    parent_page_types = ["wagtailcore.Page", "cms_pages.AreaPage"]
    subpage_types = ["cms_pages.AreaPage", "cms_pages.PortalHomePage", "cms_pages.CommuneHomePage"]
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

    parent_page_types = ["cms_pages.AreaPage"]
    subpage_types = [
        "cms_pages.NewsIndexPage",
        "cms_pages.AnnouncementIndexPage",
        "cms_pages.DocumentIndexPage",
        "cms_pages.SourceIndexPage",
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
        from .content import AnnouncementPage, NewsPage, paginate, with_card_images

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

        # Federated news: everything published in the area, the portal's own and its communes'.
        news = with_card_images(NewsPage.objects.live().descendant_of(area).order_by("-date", "-pk"))
        commune_code = request.GET.get("xa", "")
        by_code = {c.code: c for c in communes}
        if commune_code in by_code:
            news = news.descendant_of(by_code[commune_code])
            context["commune_filter"] = by_code[commune_code]
        page = paginate(request, news)
        sources = {c.url_path: c for c in communes}
        sources[self.url_path] = self
        context["federated_news"] = [(item, _source(item, sources)) for item in page]
        context["federated_page"] = page
        context["all_communes"] = communes
        context["own_announcements"] = (AnnouncementPage.objects.live().descendant_of(self)
                                        .valid_at(timezone.now()).by_priority()[:5])
        context["sections"] = self.get_children().live().in_menu()
        return context


def _source(page, sources):
    """The commune (or portal) a page belongs to, found from its url_path's ancestors."""
    path = page.url_path
    end = len(path)
    while end > 1:
        end = path.rfind("/", 0, end - 1) + 1
        found = sources.get(path[:end])
        if found is not None:
            return found
    return None


class CommuneHomePage(CachedPageMixin, AdminUnitMixin, Page):
    """Home of one commune (xã, phường, thị trấn, đặc khu) website."""

    intro = RichTextField(_("lời giới thiệu"), blank=True)

    parent_page_types = ["cms_pages.AreaPage"]
    subpage_types = [
        "cms_pages.NewsIndexPage",
        "cms_pages.AnnouncementIndexPage",
        "cms_pages.DocumentIndexPage",
        "cms_pages.ProfilePage",
        "cms_pages.ContactPage",
        "cms_pages.QuestionIndexPage",
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
        from .content import AnnouncementPage, NewsPage, with_card_images
        from .profile import ContactPage

        context = super().get_context(request, *args, **kwargs)
        context["area"] = self.area
        context["portal"] = self.area.portal
        context["sections"] = list(self.get_children().live().in_menu())
        context["announcements"] = list(
            AnnouncementPage.objects.live().descendant_of(self).valid_at(timezone.now()).by_priority()[:6]
        )
        context["news"] = list(
            with_card_images(NewsPage.objects.live().descendant_of(self).order_by("-date", "-pk"))[:7]
        )
        contact = ContactPage.objects.child_of(self).live().first()
        context["contact"] = contact
        context["procedures"] = list(contact.procedures.all()[:6]) if contact else []
        # Items pushed down from the district or the province (source information).
        from .sources import active_items_for

        context["pushed_items"] = active_items_for(self)
        return context
