"""Source information (thông tin nguồn) and emergency alerts, pushed down from a province or
district to the communes and boards it chooses.

A province or district portal has a section "Thông tin nguồn" (SourceIndexPage). Its editors
publish there:

- a SourceItemPage: text, picture, attachments, a validity window, a priority class; it
  appears in the "Thông tin từ cấp trên" block of every targeted commune home and in the
  playlists of every targeted board, by the same path as the commune's own content;
- an EmergencyAlertPage (storm, flood, epidemic …): the fields of a CAP 1.2 <info>; while it
  is valid it pre-empts every targeted board and puts a banner on top of every page of every
  targeted site; unpublishing it (withdrawing) ends it everywhere. Imported from and exported
  as CAP 1.2 (sources/cap.py).

Targets, all within the source's own area (refused otherwise): whole areas (every commune of
the district or province, and the area's own boards), chosen communes, chosen boards, board
groups. Who saw what comes from the data: the site shows a live, valid item targeted at it;
a board plays what its current playlist version holds; plays come from proof of play.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.models import Page, PageManager
from wagtail.search import index
from wagtail.signals import post_page_move

from areas.models.departments import Department
from areas.models.units import AreaPage, CommuneHomePage, PortalHomePage
from areas.widgets import GroupedCheckboxSelectMultiple
from cms_pages.listen import ListenMixin
from cms_pages.models.content import (
    AnnouncementQuerySet,
    Attachment,
    BodyBlock,
    PrintableMixin,
    SectionPage,
    VietnameseSlugMixin,
    paginate,
    picture_fit_field,
    picture_fit_panel,
)
from core.page_cache import CachedPageMixin

STEP = Page.steplen


class SourceIndexPage(CachedPageMixin, RoutablePageMixin, SectionPage):
    """The section "Thông tin nguồn" of a province or district portal."""

    parent_page_types = ["areas.PortalHomePage"]
    subpage_types = ["sources.SourceItemPage", "sources.EmergencyAlertPage", "sources.DepartmentSectionPage"]

    class Meta:
        verbose_name = _("chuyên mục thông tin nguồn")
        verbose_name_plural = _("chuyên mục thông tin nguồn")

    def get_template(self, request, *args, **kwargs):
        return "sources/source_index_page.html"

    def listing(self, department=None):
        """Items of the section and of its departments' sections (descendants), valid now;
        `department` (a Department, or "ubnd" for the area's own) narrows them."""
        items = SourceItemPage.objects.descendant_of(self).for_public().valid_at(timezone.now())
        return by_department(items, department).select_related("department").by_priority()

    def departments(self):
        """The departments that have a section here, for the listing's filter."""
        return Department.objects.filter(section__path__startswith=self.path).order_by("name")

    @path("nguon-cap/")
    def cap_feed(self, request):
        """An Atom feed of the alerts in force here, each entry linking to its CAP 1.2 message."""
        # sources.cap_views imports this models module: loaded when the route runs
        from sources.cap_views import alerts_atom_response

        return alerts_atom_response(request, self)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        now = timezone.now()
        departments = list(self.departments())
        chosen = request.GET.get("co-quan", "")
        department = next((d for d in departments if str(d.pk) == chosen), None)
        if chosen == "ubnd":
            department = "ubnd"
        alerts = EmergencyAlertPage.objects.descendant_of(self).for_public().valid_at(now)
        context["alerts"] = list(by_department(alerts, department).select_related("department").order_by("-valid_from"))
        context["items"] = paginate(request, self.listing(department))
        context["departments"] = departments
        context["chosen_department"] = chosen if department is not None else ""
        context["area"] = area_of_section(self)
        return context


def by_department(items, department):
    """`items` narrowed to one department's (a Department), the area's own ("ubnd"), or all."""
    if department == "ubnd":
        return items.filter(department__isnull=True)
    if department is not None:
        return items.filter(department=department)
    return items


class DepartmentSectionPage(CachedPageMixin, RoutablePageMixin, SectionPage):
    """A department's own section (sở, ngành, phòng) inside the area's "Thông tin nguồn": made by
    areas/departments.py through the hook `register_department_section`; its staff have page
    permissions and a moderation workflow on it alone. Items in it carry the department."""

    parent_page_types = ["sources.SourceIndexPage"]
    subpage_types = ["sources.SourceItemPage", "sources.EmergencyAlertPage"]
    is_creatable = False  # made with its department ("Sở, ngành, phòng ban"), never by hand

    class Meta:
        verbose_name = _("chuyên mục của sở, ngành")
        verbose_name_plural = _("chuyên mục của sở, ngành")

    def get_template(self, request, *args, **kwargs):
        return "sources/department_section_page.html"

    @property
    def department(self):
        return Department.objects.filter(section=self).select_related("area").first()

    def listing(self):
        items = SourceItemPage.objects.child_of(self).for_public().valid_at(timezone.now())
        return items.select_related("department").by_priority()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        alerts = EmergencyAlertPage.objects.child_of(self).for_public().valid_at(timezone.now())
        context["alerts"] = list(alerts.select_related("department").order_by("-valid_from"))
        context["department"] = self.department
        return context


def department_of(page):
    """The Department whose section is `page` or its nearest ancestor (None: the area's own
    UBND). One query."""
    return (
        Department.objects.filter(section__path__in=prefixes(page.path)).order_by("-section__depth").first()
        if page.path
        else None
    )


def department_follows_move(sender, instance, **kwargs):
    """Wagtail saves a moved page as a plain Page, so TargetedPage.save does not run: the moved
    items (and those under a moved section) take the department of their new place here.
    Connected when this module loads, before the search index's handler (search.signal_handlers,
    connected in ready()), so the re-indexed issuer is the new one."""
    for model in (SourceItemPage, EmergencyAlertPage):
        for page in model.objects.descendant_of(instance, inclusive=True).only("path", "department_id"):
            department = department_of(page)
            wanted = department.pk if department else None
            if page.department_id != wanted:
                model.objects.filter(pk=page.pk).update(department_id=wanted)


post_page_move.connect(department_follows_move, dispatch_uid="tincoso_sources_department_move")


# --- Targets ------------------------------------------------------------------------------------


def area_of_section(page):
    """The AreaPage a source section, or a page in it, speaks for: its nearest area ancestor
    (section → portal → area)."""
    return AreaPage.objects.filter(path__in=prefixes(page.path)).order_by("-depth").first()


def prefixes(path):
    """A page's path and every ancestor's: what `…__path__in` matches against."""
    return [path[:end] for end in range(STEP, len(path) + 1, STEP)]


class TargetedForm(WagtailAdminPageForm):
    """Target choices limited to the source's own area; anything else is refused."""

    def __init__(self, *args, parent_page=None, **kwargs):
        super().__init__(*args, parent_page=parent_page, **kwargs)
        section = parent_page if parent_page is not None else self.instance.get_parent()
        self.area = area_of_section(section) if section is not None else None
        self._limit_choices()

    def _limit_choices(self):
        # The boards app sits above this one: its models are reached through the relations
        # (declared by app label), never imported.
        Board = type(self.instance)._meta.get_field("target_boards").related_model
        BoardGroup = type(self.instance)._meta.get_field("target_board_groups").related_model

        area = self.area
        path = area.path if area is not None else "-"
        within = Q(path__startswith=path)
        owned_within = Q(owner__path__startswith=path)
        querysets = {
            "target_areas": AreaPage.objects.filter(within).order_by("path"),
            "target_communes": CommuneHomePage.objects.filter(within).order_by("path"),
            "target_boards": Board.objects.filter(owned_within, is_active=True).select_related("owner"),
            "target_board_groups": BoardGroup.objects.filter(owned_within).select_related("owner"),
        }
        for name, queryset in querysets.items():
            if name in self.fields:
                field = self.fields[name]
                field.queryset = queryset
                if name == "target_boards":
                    field.label_from_instance = lambda b: f"{b.name} ({b.size_label}) · {b.owner.title}"
                elif name == "target_board_groups":
                    field.label_from_instance = lambda g: f"{g.name} · {g.owner.title}"
                else:
                    field.label_from_instance = lambda p: p.title

    def clean(self):
        data = super().clean()
        if self.area is None:
            raise ValidationError(
                _("Chỉ đăng thông tin nguồn trong chuyên mục Thông tin nguồn của cổng tỉnh hoặc huyện.")
            )
        chosen = [data.get(name) for name in TARGET_FIELDS]
        if not any(values for values in chosen if values is not None):
            raise ValidationError(_("Chọn ít nhất một nơi nhận: cả địa bàn, một số xã, một số bảng hoặc nhóm bảng."))
        outside = targets_outside(self.area, **{name: data.get(name) or [] for name in TARGET_FIELDS})
        if outside:
            raise ValidationError(
                _("Nơi nhận ngoài địa bàn %(area)s: %(names)s.")
                % {"area": self.area.title, "names": ", ".join(outside)}
            )
        return data


TARGET_FIELDS = ("target_areas", "target_communes", "target_boards", "target_board_groups")


def targets_outside(area, target_areas=(), target_communes=(), target_boards=(), target_board_groups=()):
    """Names of the chosen targets that are not inside `area` (empty: all inside)."""
    owner_paths = {}
    owners = [b.owner_id for b in target_boards] + [g.owner_id for g in target_board_groups]
    if owners:
        owner_paths = dict(Page.objects.filter(pk__in=owners).values_list("pk", "path"))
    outside = [p.title for p in [*target_areas, *target_communes] if not p.path.startswith(area.path)]
    outside += [
        t.name
        for t in [*target_boards, *target_board_groups]
        if not owner_paths.get(t.owner_id, "").startswith(area.path)
    ]
    return outside


class TargetedQuerySet(AnnouncementQuerySet):
    def for_public(self):
        """What citizens, the boards and the loudspeakers may get: live, and not a CAP test,
        exercise, system message or draft (the one check; TargetedPage.is_public for one page)."""
        return self.live().filter(self.model.public_q())


class TargetedPage(VietnameseSlugMixin, CachedPageMixin, ListenMixin, PrintableMixin, Page):
    """What source items and emergency alerts share: their targets and validity window."""

    summary = models.TextField(
        _("tóm tắt"), max_length=800, help_text=_("Vài câu: hiện trên trang chủ xã, trên bảng điện tử và khi chia sẻ.")
    )
    valid_from = models.DateTimeField(_("hiệu lực từ"), default=timezone.now)
    valid_until = models.DateTimeField(_("hiệu lực đến"), null=True, blank=True)
    show_on_boards = models.BooleanField(_("hiện trên bảng điện tử"), default=True)
    target_areas = ParentalManyToManyField(
        "areas.AreaPage",
        verbose_name=_("cả địa bàn"),
        blank=True,
        related_name="+",
        help_text=_("Mọi xã của địa bàn và các bảng của địa bàn."),
    )
    target_communes = ParentalManyToManyField(
        "areas.CommuneHomePage", verbose_name=_("các xã được chọn"), blank=True, related_name="+"
    )
    target_boards = ParentalManyToManyField(
        "boards.Board",
        verbose_name=_("các bảng được chọn"),
        blank=True,
        related_name="+",
        help_text=_("Chỉ hiện trên các bảng này (không lên trang xã)."),
    )
    target_board_groups = ParentalManyToManyField(
        "boards.BoardGroup", verbose_name=_("các nhóm bảng"), blank=True, related_name="+"
    )
    # Set on every save from the nearest department section above (department_of): never chosen.
    department = models.ForeignKey(
        "areas.Department",
        verbose_name=_("sở, ngành cung cấp"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = PageManager.from_queryset(TargetedQuerySet)()
    base_form_class = TargetedForm
    parent_page_types = ["sources.SourceIndexPage", "sources.DepartmentSectionPage"]
    subpage_types = []

    targets_panel = MultiFieldPanel(
        [
            # A province offers some 100 communes, boards and board groups: grouped by district,
            # searchable (areas/widgets.py).
            FieldPanel("target_areas", widget=GroupedCheckboxSelectMultiple),
            FieldPanel("target_communes", widget=GroupedCheckboxSelectMultiple),
            FieldPanel("target_boards", widget=GroupedCheckboxSelectMultiple(owner="owner")),
            FieldPanel("target_board_groups", widget=GroupedCheckboxSelectMultiple(owner="owner")),
        ],
        heading=_("Nơi nhận"),
    )

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": _("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực.")})

    def save(self, *args, **kwargs):
        # The department follows the place in the tree (a move, a copy, a revision published):
        # whoever saves, the item carries the department whose section holds it.
        department = department_of(self)
        self.department_id = department.pk if department else None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "department" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "department"]
        return super().save(*args, **kwargs)

    @property
    def source_label(self):
        """Who supplied it: "Sở Y tế" (its department) or "UBND tỉnh Trà Vinh"."""
        if self.department_id:
            return self.department.name
        area = self.source_area
        return f"UBND {area.name_in_sentence}" if area else ""

    def is_valid_at(self, moment):
        return self.valid_from <= moment and (self.valid_until is None or self.valid_until > moment)

    @property
    def is_current(self):
        return self.is_valid_at(timezone.now())

    # --- for the public, or not (CAP status) ------------------------------------------------

    @classmethod
    def public_q(cls):
        """What for_public() adds to live(): every source item is meant for the public."""
        return Q()

    @property
    def is_actual(self):
        """Meant for the public once published (an alert: CAP status Actual)."""
        return True

    @property
    def is_public(self):
        return self.live and self.is_actual

    @property
    def status_tag(self):
        """ "thử nghiệm", "diễn tập" …: why it never reaches the public; "" when it may."""
        return ""

    @property
    def not_public_reason(self):
        return _("cảnh báo %(tag)s, không công khai") % {"tag": self.status_tag} if self.status_tag else ""

    def serve(self, request, *args, **kwargs):
        # A test or exercise is seen only by those who may edit it (its routes: CAP, listen, print
        # too); the admin's preview has checked that already.
        if not (self.is_actual or getattr(request, "is_preview", False)) and not (
            request.user.is_authenticated and self.permissions_for_user(request.user).can_edit()
        ):
            raise Http404
        return super().serve(request, *args, **kwargs)

    def get_sitemap_urls(self, request=None):
        return super().get_sitemap_urls(request) if self.is_actual else []

    def get_admin_display_title(self):
        title = super().get_admin_display_title()
        return f"[{self.status_tag.capitalize()}] {title}" if self.status_tag else title

    @property
    def status_string(self):
        status = super().status_string
        return f"{status} · {self.status_tag}" if self.status_tag else status

    @property
    def source_area(self):
        return area_of_section(self)

    def share_description(self):
        return self.summary

    def share_image(self):
        return getattr(self, "image", None)

    # --- where it goes --------------------------------------------------------------------

    def reached_communes(self):
        """The commune homes whose site shows this item (targeted whole areas and chosen communes)."""
        query = Q(pk__in=[c.pk for c in self.target_communes.all()])
        for area in self.target_areas.all():
            query |= Q(path__startswith=area.path)
        return CommuneHomePage.objects.filter(query).order_by("path")


def targeted_at_unit(queryset, unit):
    """Items of `queryset` shown on the site of `unit` (a commune home or a portal's area):
    targeted at it, or at a whole area it lies in."""
    return queryset.filter(
        Q(target_communes__path=unit.path) | Q(target_areas__path__in=prefixes(unit.path))
    ).distinct()


def targeted_at_board(queryset, board, owner_path):
    """Items of `queryset` that reach `board` (owned by the unit at `owner_path`)."""
    groups = [group.pk for group in board.groups.all()]
    query = (
        Q(target_boards=board) | Q(target_communes__path=owner_path) | Q(target_areas__path__in=prefixes(owner_path))
    )
    if groups:
        query |= Q(target_board_groups__in=groups)
    return queryset.filter(query).distinct()


class SourcePriority(models.TextChoices):
    NORMAL = "normal", _("Thường")
    PRIORITY = "priority", _("Ưu tiên")


class SourceItemPage(TargetedPage):
    """Thông tin nguồn: an item a province or district pushes down to its communes and boards."""

    print_kind = "announcement"

    date = models.DateField(_("ngày phát hành"), default=timezone.localdate)
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("ảnh"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    picture_fit = picture_fit_field()
    body = StreamField(BodyBlock(), verbose_name=_("nội dung"), blank=True)
    priority = models.CharField(
        _("mức ưu tiên"),
        max_length=10,
        choices=SourcePriority.choices,
        default=SourcePriority.NORMAL,
        help_text=_('Tin khẩn cấp: dùng "Cảnh báo khẩn cấp".'),
    )
    show_on_sites = models.BooleanField(_("hiện trên trang chủ các xã nhận"), default=True)

    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("summary"),
        FieldPanel("image"),
        picture_fit_panel(),
        FieldPanel("body"),
        InlinePanel("attachments", heading=_("Tệp đính kèm"), label=_("tệp đính kèm")),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_until")]),
                FieldPanel("priority"),
                FieldRowPanel([FieldPanel("show_on_sites"), FieldPanel("show_on_boards")]),
            ],
            heading=_("Hiệu lực, mức ưu tiên"),
        ),
        TargetedPage.targets_panel,
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]

    class Meta:
        verbose_name = _("thông tin nguồn")
        verbose_name_plural = _("thông tin nguồn")


class SourceAttachment(Attachment):
    page = ParentalKey(SourceItemPage, related_name="attachments", on_delete=models.CASCADE)

    class Meta(Attachment.Meta):
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")


# --- Emergency alerts (CAP 1.2) -----------------------------------------------------------------


class CapCategory(models.TextChoices):
    MET = "Met", _("Khí tượng, thuỷ văn (bão, lũ, mưa lớn)")
    GEO = "Geo", _("Địa chất (động đất, sạt lở)")
    HEALTH = "Health", _("Y tế (dịch bệnh)")
    SAFETY = "Safety", _("An toàn chung")
    SECURITY = "Security", _("An ninh")
    RESCUE = "Rescue", _("Cứu nạn")
    FIRE = "Fire", _("Cháy, nổ")
    ENV = "Env", _("Môi trường")
    TRANSPORT = "Transport", _("Giao thông")
    INFRA = "Infra", _("Hạ tầng (điện, nước, viễn thông)")
    CBRNE = "CBRNE", _("Hoá chất, sinh học, phóng xạ")
    OTHER = "Other", _("Khác")


class CapUrgency(models.TextChoices):
    IMMEDIATE = "Immediate", _("Ngay lập tức")
    EXPECTED = "Expected", _("Sắp xảy ra (trong vòng 1 giờ)")
    FUTURE = "Future", _("Sẽ xảy ra")
    PAST = "Past", _("Đã qua")
    UNKNOWN = "Unknown", _("Chưa rõ")


class CapSeverity(models.TextChoices):
    EXTREME = "Extreme", _("Đặc biệt nghiêm trọng")
    SEVERE = "Severe", _("Nghiêm trọng")
    MODERATE = "Moderate", _("Trung bình")
    MINOR = "Minor", _("Nhẹ")
    UNKNOWN = "Unknown", _("Chưa rõ")


class CapCertainty(models.TextChoices):
    OBSERVED = "Observed", _("Đã xảy ra")
    LIKELY = "Likely", _("Nhiều khả năng (trên 50%)")
    POSSIBLE = "Possible", _("Có thể")
    UNLIKELY = "Unlikely", _("Ít khả năng")
    UNKNOWN = "Unknown", _("Chưa rõ")


class CapStatus(models.TextChoices):
    ACTUAL = "Actual", _("Thật")
    EXERCISE = "Exercise", _("Diễn tập")
    SYSTEM = "System", _("Hệ thống")
    TEST = "Test", _("Thử nghiệm")
    DRAFT = "Draft", _("Nháp")


class CapMsgType(models.TextChoices):
    ALERT = "Alert", _("Cảnh báo mới")
    UPDATE = "Update", _("Cập nhật")
    CANCEL = "Cancel", _("Huỷ")
    ACK = "Ack", _("Xác nhận")
    ERROR = "Error", _("Báo lỗi")


def new_cap_identifier():
    return f"vn.tincoso.{uuid.uuid4()}"


class EmergencyAlertPage(TargetedPage):
    """Cảnh báo khẩn cấp: pre-empts every targeted board, a banner on every targeted site.

    The title is the CAP headline, the summary its description, valid_from its onset and
    valid_until its expires (required: an alert always ends by itself)."""

    print_kind = "alert"

    event = models.CharField(
        _("sự kiện"), max_length=120, help_text=_("Ví dụ: Bão số 3, Lũ quét, Dịch sốt xuất huyết.")
    )
    category = models.CharField(_("loại"), max_length=10, choices=CapCategory.choices, default=CapCategory.MET)
    urgency = models.CharField(_("mức khẩn"), max_length=10, choices=CapUrgency.choices, default=CapUrgency.IMMEDIATE)
    severity = models.CharField(
        _("mức nghiêm trọng"), max_length=10, choices=CapSeverity.choices, default=CapSeverity.SEVERE
    )
    certainty = models.CharField(
        _("mức chắc chắn"), max_length=10, choices=CapCertainty.choices, default=CapCertainty.LIKELY
    )
    instruction = models.TextField(_("hướng dẫn người dân"), blank=True, max_length=2000)
    sender_name = models.CharField(
        _("cơ quan phát cảnh báo"),
        max_length=200,
        blank=True,
        help_text=_("Ví dụ: Ban Chỉ huy PCTT và TKCN tỉnh. Để trống: UBND của địa bàn."),
    )
    area_desc = models.CharField(
        _("mô tả vùng ảnh hưởng"), max_length=500, blank=True, help_text=_("Để trống: tên các nơi nhận.")
    )
    contact = models.CharField(_("liên hệ"), max_length=200, blank=True)
    # CAP envelope, kept for import/export (sources/cap.py).
    cap_identifier = models.CharField(_("mã cảnh báo CAP"), max_length=200, unique=True, default=new_cap_identifier)
    cap_sender = models.CharField(_("nơi gửi CAP"), max_length=200, blank=True)
    cap_sent = models.DateTimeField(_("thời điểm gửi CAP"), null=True, blank=True)
    cap_status = models.CharField(
        _("trạng thái CAP"), max_length=10, choices=CapStatus.choices, default=CapStatus.ACTUAL
    )
    cap_msg_type = models.CharField(
        _("loại bản tin CAP"), max_length=10, choices=CapMsgType.choices, default=CapMsgType.ALERT
    )
    cap_data = models.JSONField(_("dữ liệu CAP khác"), default=dict, blank=True, editable=False)

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("event"), FieldPanel("category")]),
        FieldRowPanel([FieldPanel("urgency"), FieldPanel("severity"), FieldPanel("certainty")]),
        FieldPanel("summary", heading=_("Nội dung cảnh báo")),
        FieldPanel("instruction"),
        FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_until")], heading=_("Thời gian")),
        FieldRowPanel([FieldPanel("sender_name"), FieldPanel("contact")]),
        FieldPanel("area_desc"),
        FieldPanel("show_on_boards"),
        TargetedPage.targets_panel,
        MultiFieldPanel(
            [FieldPanel("cap_status"), FieldPanel("cap_msg_type"), FieldPanel("cap_identifier", read_only=True)],
            heading=_("CAP 1.2"),
            classname="collapsed",
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("instruction"),
        index.SearchField("event"),
    ]

    class Meta:
        verbose_name = _("cảnh báo khẩn cấp")
        verbose_name_plural = _("cảnh báo khẩn cấp")

    priority = "emergency"  # for the boards: pre-empts everything while valid

    def clean(self):
        super().clean()
        if not self.valid_until:
            raise ValidationError({"valid_until": _("Cảnh báo khẩn cấp cần thời điểm hết hiệu lực.")})

    @classmethod
    def public_q(cls):
        return Q(cap_status=CapStatus.ACTUAL)

    @property
    def is_actual(self):
        return self.cap_status == CapStatus.ACTUAL

    @property
    def status_tag(self):
        return "" if self.is_actual else str(self.get_cap_status_display()).lower()

    @path("cap/")
    def cap_xml(self, request):
        """This alert as a CAP 1.2 message."""
        # sources.cap_views imports this models module: loaded when the route runs
        from sources.cap_views import alert_cap_response

        return alert_cap_response(request, self)

    def get_sender_name(self):
        if self.sender_name:
            return self.sender_name
        area = self.source_area
        if self.department_id:
            return f"{self.department.name} {area.name_in_sentence}" if area else self.department.name
        return f"Uỷ ban nhân dân {area.name_in_sentence}" if area else ""


def active_alerts_for(unit, now=None):
    """Emergency alerts valid now whose targets include the site of `unit` (a commune home, or
    the area of a portal): the banner on top of every page of that site."""
    now = now or timezone.now()
    alerts = EmergencyAlertPage.objects.for_public().valid_at(now)
    return list(targeted_at_unit(alerts, unit).order_by("-valid_from"))


def active_items_for(unit, now=None, limit=6):
    """Source items shown in a commune home's "Thông tin từ cấp trên" block, each with the
    name of the unit it comes from (`source_name`), in two queries whatever their number."""
    now = now or timezone.now()
    items = SourceItemPage.objects.for_public().valid_at(now).filter(show_on_sites=True)
    items = list(targeted_at_unit(items, unit).select_related("department").by_priority()[:limit])
    with_sources(items)
    return items


def with_sources(pages):
    """Set `source_name` ("UBND huyện Càng Long", or the department: "Sở Y tế") on source pages,
    with one query for all, and one more for their departments unless they came with the pages
    (select_related) or there are none."""
    wanted = {prefix for page in pages for prefix in prefixes(page.path)}
    areas = sorted(AreaPage.objects.filter(path__in=wanted), key=lambda a: -a.depth)
    missing = {
        page.department_id
        for page in pages
        if getattr(page, "department_id", None) and not type(page).department.is_cached(page)
    }
    names = dict(Department.objects.filter(pk__in=missing).values_list("pk", "name")) if missing else {}
    for page in pages:
        area = next((a for a in areas if page.path.startswith(a.path)), None)
        if getattr(page, "department_id", None):
            page.source_name = names.get(page.department_id) or page.department.name
        else:
            page.source_name = f"UBND {area.name_in_sentence}" if area else ""
    return pages


class CapFeed(models.Model):
    """A CAP 1.2 source polled on a schedule (sources/cap_import.py): an alert document, or an
    Atom/RSS feed whose entries link to alerts. What it brings lands in the owner's
    "Thông tin nguồn" section, as drafts for the moderators or published at once."""

    owner = models.ForeignKey(
        "areas.AreaPage",
        verbose_name=_("địa bàn nhận"),
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Tỉnh hoặc huyện: cảnh báo vào chuyên mục Thông tin nguồn của cổng."),
    )
    name = models.CharField(_("tên nguồn"), max_length=120, help_text=_("Ví dụ: Đài Khí tượng Thuỷ văn tỉnh."))
    url = models.URLField(_("địa chỉ nguồn CAP"), max_length=500)
    auto_publish = models.BooleanField(
        _("xuất bản ngay"),
        default=False,
        help_text=_("Bật: cảnh báo lên trang và bảng ngay khi nhận. Tắt: thành bản nháp chờ kiểm duyệt."),
    )
    is_active = models.BooleanField(_("đang theo dõi"), default=True)
    last_polled_at = models.DateTimeField(_("lần đọc gần nhất"), null=True, blank=True, editable=False)
    last_ok_at = models.DateTimeField(_("lần đọc thành công gần nhất"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True, editable=False)
    etag = models.CharField(max_length=200, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)

    panels = [
        FieldPanel("owner"),
        FieldPanel("name"),
        FieldPanel("url"),
        FieldPanel("auto_publish"),
        FieldPanel("is_active"),
    ]

    class Meta:
        verbose_name = _("nguồn cảnh báo CAP")
        verbose_name_plural = _("nguồn cảnh báo CAP")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.url and not self.url.lower().startswith(("http://", "https://")):
            raise ValidationError({"url": _("Chỉ nhận địa chỉ http:// hoặc https://.")})
        if self.owner_id and self.owner.level == "commune":
            raise ValidationError({"owner": _("Chọn tỉnh hoặc huyện.")})

    @property
    def section(self):
        portal = PortalHomePage.objects.child_of(self.owner).first()
        return SourceIndexPage.objects.child_of(portal).first() if portal else None


class CapFeedEntry(models.Model):
    """An entry of a feed already read (its URL): not fetched again."""

    feed = models.ForeignKey(CapFeed, on_delete=models.CASCADE, related_name="entries")
    url = models.URLField(max_length=500)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["feed", "url"], name="unique_cap_feed_entry")]
        verbose_name = _("bản tin CAP đã đọc")
        verbose_name_plural = _("bản tin CAP đã đọc")
