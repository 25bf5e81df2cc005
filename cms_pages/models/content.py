"""Content of portal and commune sites: news and events, announcements, legal documents,
plain pages, and the section index pages that list them."""

import re

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.db.models import Prefetch
from django.forms import CheckboxSelectMultiple, RadioSelect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from cms_pages.listen import ListenMixin
from core.page_cache import CachedPageMixin
from core.text import fold_key

PER_PAGE = 12
RICH_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link", "hr", "blockquote"]


# --- Blocks -----------------------------------------------------------------------------


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("ảnh"))
    caption = blocks.CharBlock(label=_("chú thích"), required=False, max_length=250)
    alt = blocks.CharBlock(
        label=_("mô tả ảnh cho người khiếm thị"),
        required=False,
        max_length=250,
        help_text=_("Để trống thì dùng chú thích hoặc tên ảnh."),
    )

    class Meta:
        icon = "image"
        template = "cms_pages/blocks/captioned_image.html"


class BodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        label=_("tiêu đề mục"), form_classname="title", icon="title", template="cms_pages/blocks/heading.html"
    )
    paragraph = blocks.RichTextBlock(label=_("đoạn văn"), features=RICH_FEATURES)
    image = CaptionedImageBlock(label=_("ảnh"))
    quote = blocks.BlockQuoteBlock(label=_("trích dẫn"))
    document = DocumentChooserBlock(label=_("tài liệu đính kèm"), template="cms_pages/blocks/document.html")

    class Meta:
        block_counts = {}


# --- Categories ---------------------------------------------------------------------------


@register_snippet
class Category(models.Model):
    """News categories, shared by every site of the province (set by the province admin)."""

    name = models.CharField(_("tên"), max_length=80, unique=True)
    slug = models.SlugField(_("đường dẫn"), max_length=80, unique=True, allow_unicode=False)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("chuyên mục tin")
        verbose_name_plural = _("chuyên mục tin")

    def __str__(self):
        return self.name


# --- Section index pages ------------------------------------------------------------------


class SectionPage(Page):
    """A section of a portal or commune site created by provisioning; lists its children."""

    intro = RichTextField(_("lời giới thiệu"), blank=True, features=RICH_FEATURES)
    content_panels = Page.content_panels + [FieldPanel("intro")]

    class Meta:
        abstract = True

    def get_template(self, request, *args, **kwargs):
        return "cms_pages/section_page.html"

    def listing(self):
        return self.get_children().live().specific().order_by("-first_published_at")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["items"] = paginate(request, self.listing())
        return context


CARD_RENDITION = "fill-640x360"  # the news card's {% image %} spec (includes/news_card.html)


def with_card_images(news):
    """News with their featured image and its card rendition in two queries, not one per card."""
    renditions = get_image_model().get_rendition_model().objects.filter(filter_spec=CARD_RENDITION)
    return news.select_related("featured_image").prefetch_related(
        Prefetch("featured_image__renditions", queryset=renditions)
    )


def paginate(request, queryset, per_page=PER_PAGE):
    paginator = Paginator(queryset, per_page)
    try:
        return paginator.page(request.GET.get("trang", 1))
    except (PageNotAnInteger, EmptyPage):
        return paginator.page(1 if not str(request.GET.get("trang", "")).isdigit() else paginator.num_pages)


class NewsIndexPage(CachedPageMixin, SectionPage):
    parent_page_types = ["areas.PortalHomePage", "areas.CommuneHomePage"]
    subpage_types = ["cms_pages.NewsPage"]

    class Meta:
        verbose_name = _("chuyên mục tin tức")
        verbose_name_plural = _("chuyên mục tin tức")

    def get_template(self, request, *args, **kwargs):
        return "cms_pages/news_index_page.html"

    def listing(self):
        return with_card_images(NewsPage.objects.child_of(self).live().order_by("-date", "-pk"))

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        items = self.listing()
        category = request.GET.get("chuyen_muc", "")
        if category:
            items = items.filter(categories__slug=category)
        context["items"] = paginate(request, items)
        context["categories"] = Category.objects.filter(newspage__in=NewsPage.objects.child_of(self).live()).distinct()
        context["category"] = category
        return context


class AnnouncementIndexPage(CachedPageMixin, RoutablePageMixin, SectionPage):
    parent_page_types = ["areas.PortalHomePage", "areas.CommuneHomePage"]
    subpage_types = ["cms_pages.AnnouncementPage"]

    @path("ban-tin-tuan/")
    def weekly_bulletin(self, request):
        """The week's announcements as a PDF for the paper notice board."""
        # cms_pages.printing imports this models module: loaded when the route runs
        from cms_pages.printing import weekly_bulletin_response

        return weekly_bulletin_response(request, self)

    class Meta:
        verbose_name = _("chuyên mục thông báo")
        verbose_name_plural = _("chuyên mục thông báo")

    def get_template(self, request, *args, **kwargs):
        return "cms_pages/announcement_index_page.html"

    def listing(self):
        return AnnouncementPage.objects.child_of(self).live().valid_at(timezone.now()).by_priority()

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["expired"] = (
            AnnouncementPage.objects.child_of(self)
            .live()
            .filter(valid_until__lte=timezone.now())
            .order_by("-valid_until")[:10]
        )
        return context


class DocumentIndexPage(CachedPageMixin, SectionPage):
    parent_page_types = ["areas.PortalHomePage", "areas.CommuneHomePage"]
    subpage_types = ["cms_pages.LegalDocumentPage"]

    class Meta:
        verbose_name = _("chuyên mục văn bản")
        verbose_name_plural = _("chuyên mục văn bản")

    def get_template(self, request, *args, **kwargs):
        return "cms_pages/document_index_page.html"

    def listing(self):
        return LegalDocumentPage.objects.child_of(self).live().order_by("-issue_date", "-pk")

    def get_context(self, request, *args, **kwargs):
        # cms_pages.forms imports this models module: loaded when the route runs
        from cms_pages.forms import DocumentFilterForm

        context = super().get_context(request, *args, **kwargs)
        documents = self.listing()
        form = DocumentFilterForm(request.GET or None, documents=documents)
        if form.is_valid():
            documents = form.filter(documents)
        context["filter_form"] = form
        context["items"] = paginate(request, documents)
        return context


# --- Slugs ---------------------------------------------------------------------------------


class VietnameseSlugMixin:
    """Kept because the migrations name it among the bases of page types. The folding it used to
    give a blank slug ('Thông báo tiêm chủng' → 'thong-bao-tiem-chung', 'đ' → 'd') now applies to
    every page type of every app, blank slug or one garbled by Wagtail's admin JavaScript:
    core/slugs.py, installed with the other Wagtail patches (core/wagtail_patches.py)."""


# --- Print ---------------------------------------------------------------------------------


class PrintableMixin(RoutablePageMixin):
    """`<page URL>in/` answers the page as a PDF for printing (cms_pages/printing.py), laid out as
    its `print_kind` says: "news", "announcement", "document" or "alert" (print/page.html)."""

    print_kind = None

    @path("in/")
    def print_pdf(self, request):
        # cms_pages.printing imports this models module: loaded when the route runs
        from cms_pages.printing import page_pdf_response

        return page_pdf_response(request, self)


# --- News ---------------------------------------------------------------------------------


class PictureFit(models.TextChoices):
    """How a page's picture fills its box on the e-boards (boards.slide.PICTURE_FITS)."""

    COVER = "cover", _("Cắt vừa khung")
    CONTAIN = "contain", _("Hiện trọn ảnh")


def picture_fit_field():
    """The "how the picture shows on the boards" field, on every model whose picture the boards show."""
    return models.CharField(
        _("cách hiển thị ảnh trên bảng"),
        max_length=7,
        choices=PictureFit.choices,
        default=PictureFit.COVER,
        help_text=_(
            "Cắt vừa khung: ảnh lấp đầy khung, mép ảnh có thể bị cắt. Hiện trọn ảnh: thấy cả ảnh, "
            "hai bên là nền mờ; chọn khi ảnh có chữ (áp phích, văn bản chụp lại)."
        ),
    )


def picture_fit_panel():
    return FieldPanel("picture_fit", widget=RadioSelect)


class NewsPage(VietnameseSlugMixin, CachedPageMixin, PrintableMixin, Page):
    print_kind = "news"

    date = models.DateField(_("ngày đăng"), default=timezone.localdate)
    summary = models.TextField(
        _("tóm tắt"),
        max_length=500,
        help_text=_("Một hai câu, hiện ở danh sách tin, khi chia sẻ và trên bảng điện tử."),
    )
    featured_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("ảnh đại diện"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    picture_fit = picture_fit_field()
    body = StreamField(BodyBlock(), verbose_name=_("nội dung"), blank=True)
    categories = ParentalManyToManyField(Category, verbose_name=_("chuyên mục"), blank=True)
    event_start = models.DateTimeField(_("sự kiện bắt đầu"), null=True, blank=True)
    event_end = models.DateTimeField(_("sự kiện kết thúc"), null=True, blank=True)
    event_location = models.CharField(_("địa điểm sự kiện"), max_length=200, blank=True)
    show_on_boards = models.BooleanField(_("hiện trên bảng điện tử"), default=True)

    parent_page_types = ["cms_pages.NewsIndexPage"]
    subpage_types = []

    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("summary"),
        FieldPanel("featured_image"),
        picture_fit_panel(),
        FieldPanel("body"),
        FieldPanel("categories", widget=CheckboxSelectMultiple),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("event_start"), FieldPanel("event_end")]), FieldPanel("event_location")],
            heading=_("Sự kiện (nếu là tin sự kiện)"),
        ),
        FieldPanel("show_on_boards"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]

    class Meta:
        verbose_name = _("tin tức, sự kiện")
        verbose_name_plural = _("tin tức, sự kiện")

    def clean(self):
        super().clean()
        if self.event_start and self.event_end and self.event_end < self.event_start:
            raise ValidationError({"event_end": _("Sự kiện phải kết thúc sau khi bắt đầu.")})

    def share_description(self):
        return self.summary

    def share_image(self):
        return self.featured_image


# --- Announcements ------------------------------------------------------------------------


class Priority(models.TextChoices):
    NORMAL = "normal", _("Thường")
    PRIORITY = "priority", _("Ưu tiên")
    EMERGENCY = "emergency", _("Khẩn cấp")


PRIORITY_RANK = {Priority.EMERGENCY: 0, Priority.PRIORITY: 1, Priority.NORMAL: 2}


class AnnouncementQuerySet(PageQuerySet):
    def valid_at(self, moment):
        return self.filter(valid_from__lte=moment).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gt=moment)
        )

    def by_priority(self):
        rank = models.Case(
            *(models.When(priority=p, then=models.Value(r)) for p, r in PRIORITY_RANK.items()),
            output_field=models.IntegerField(),
        )
        return self.annotate(priority_rank=rank).order_by("priority_rank", "-valid_from", "-pk")


AnnouncementManager = PageManager.from_queryset(AnnouncementQuerySet)


class AnnouncementPage(VietnameseSlugMixin, CachedPageMixin, ListenMixin, PrintableMixin, Page):
    print_kind = "announcement"

    date = models.DateField(_("ngày thông báo"), default=timezone.localdate)
    summary = models.TextField(_("tóm tắt"), max_length=500)
    body = StreamField(BodyBlock(), verbose_name=_("nội dung"), blank=True)
    valid_from = models.DateTimeField(_("hiệu lực từ"), default=timezone.now)
    valid_until = models.DateTimeField(
        _("hiệu lực đến"),
        null=True,
        blank=True,
        help_text=_("Hết hạn thì thông báo tự rời trang chủ, danh sách và bảng điện tử. Để trống: đến khi gỡ."),
    )
    priority = models.CharField(_("mức ưu tiên"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    show_on_boards = models.BooleanField(_("hiện trên bảng điện tử"), default=True)

    objects = AnnouncementManager()

    parent_page_types = ["cms_pages.AnnouncementIndexPage"]
    subpage_types = []
    content_panels = Page.content_panels + [
        FieldPanel("date"),
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_until")]),
                FieldPanel("priority"),
                FieldPanel("show_on_boards"),
            ],
            heading=_("Hiệu lực và mức ưu tiên"),
        ),
        InlinePanel("attachments", label=_("tệp đính kèm")),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")

    def clean(self):
        super().clean()
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": _("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực.")})

    def is_valid_at(self, moment):
        return self.valid_from <= moment and (self.valid_until is None or self.valid_until > moment)

    @property
    def is_current(self):
        return self.is_valid_at(timezone.now())

    def share_description(self):
        return self.summary

    def share_image(self):
        return None


class Attachment(Orderable):
    """A file attached to a page (its `page` ParentalKey, related_name "attachments", is the subclass's)."""

    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name=_("tệp"), on_delete=models.CASCADE, related_name="+"
    )
    panels = [FieldPanel("document")]

    class Meta(Orderable.Meta):
        abstract = True


class AnnouncementAttachment(Attachment):
    page = ParentalKey(AnnouncementPage, related_name="attachments", on_delete=models.CASCADE)

    class Meta(Attachment.Meta):
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")


# --- Legal documents ----------------------------------------------------------------------


class DocumentType(models.TextChoices):
    QUYET_DINH = "quyet_dinh", _("Quyết định")
    NGHI_QUYET = "nghi_quyet", _("Nghị quyết")
    KE_HOACH = "ke_hoach", _("Kế hoạch")
    THONG_BAO = "thong_bao", _("Thông báo")
    CONG_VAN = "cong_van", _("Công văn")
    CHI_THI = "chi_thi", _("Chỉ thị")
    BAO_CAO = "bao_cao", _("Báo cáo")
    TO_TRINH = "to_trinh", _("Tờ trình")
    HUONG_DAN = "huong_dan", _("Hướng dẫn")
    CHUONG_TRINH = "chuong_trinh", _("Chương trình")
    KHAC = "khac", _("Khác")


class DocumentStatus(models.TextChoices):
    IN_FORCE = "in_force", _("Còn hiệu lực")
    EXPIRED = "expired", _("Hết hiệu lực")
    REPLACED = "replaced", _("Bị thay thế")


# "35/KH-UBND", "12/2024/QĐ-UBND", "123/QĐ-TTg", "05/2025/NQ-HĐND", "15/TB-UBND"
NUMBER_SYMBOL_RE = re.compile(r"^\d{1,5}[a-zA-Z]?(/\d{4})?/[0-9A-Za-zĐđ]+(-[0-9A-Za-zĐđ]+)*$")


def validate_number_symbol(value):
    if not NUMBER_SYMBOL_RE.match(value.strip()):
        raise ValidationError(
            _("Số, ký hiệu %(value)s không đúng dạng. Ví dụ: 35/KH-UBND, 12/2024/QĐ-UBND."), params={"value": value}
        )


class LegalDocumentPage(VietnameseSlugMixin, CachedPageMixin, PrintableMixin, Page):
    print_kind = "document"

    number_symbol = models.CharField(
        _("số, ký hiệu"),
        max_length=60,
        validators=[validate_number_symbol],
        help_text=_("Ví dụ: 35/KH-UBND, 12/2024/QĐ-UBND"),
    )
    doc_type = models.CharField(_("loại văn bản"), max_length=20, choices=DocumentType.choices)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=200)
    signer = models.CharField(_("người ký"), max_length=120)
    issue_date = models.DateField(_("ngày ban hành"))
    effective_date = models.DateField(_("ngày hiệu lực"), null=True, blank=True)
    summary = models.TextField(_("trích yếu"), max_length=1000)
    status = models.CharField(
        _("tình trạng hiệu lực"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.IN_FORCE
    )
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("được thay thế bởi"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
    )
    number_key = models.CharField(max_length=60, editable=False, db_index=True, default="")

    parent_page_types = ["cms_pages.DocumentIndexPage"]
    subpage_types = []
    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("number_symbol"), FieldPanel("doc_type")]),
        FieldRowPanel([FieldPanel("issuer"), FieldPanel("signer")]),
        FieldRowPanel([FieldPanel("issue_date"), FieldPanel("effective_date")]),
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("status"), FieldPanel("replaced_by")]),
        InlinePanel("files", label=_("tệp văn bản"), min_num=0),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("number_symbol", boost=3),
        index.SearchField("summary", boost=2),
        index.SearchField("issuer"),
        index.SearchField("signer"),
        index.FilterField("issue_date"),
        index.FilterField("doc_type"),
    ]

    class Meta:
        verbose_name = _("văn bản")
        verbose_name_plural = _("văn bản")

    def clean(self):
        super().clean()
        errors = {}
        if self.effective_date and self.issue_date and self.effective_date < self.issue_date:
            errors["effective_date"] = _("Ngày hiệu lực không thể trước ngày ban hành.")
        if self.status == DocumentStatus.REPLACED and not self.replaced_by_id:
            errors["replaced_by"] = _("Văn bản bị thay thế cần chọn văn bản thay thế.")
        if self.replaced_by_id and self.replaced_by_id == self.pk:
            errors["replaced_by"] = _("Văn bản không thể thay thế chính nó.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.number_symbol = self.number_symbol.strip()
        self.number_key = number_key(self.number_symbol)
        super().save(*args, **kwargs)

    @property
    def type_label(self):
        return DocumentType(self.doc_type).label

    def share_description(self):
        return self.summary

    def share_image(self):
        return None


def number_key(number_symbol):
    """'35/KH-UBND' → '35 kh ubnd': the number and symbol as folded words."""
    return " ".join(re.split(r"[^0-9a-z]+", fold_key(number_symbol))).strip()


class LegalDocumentFile(Orderable):
    page = ParentalKey(LegalDocumentPage, related_name="files", on_delete=models.CASCADE)
    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name=_("tệp"), on_delete=models.CASCADE, related_name="+"
    )
    panels = [FieldPanel("document")]

    class Meta(Orderable.Meta):
        verbose_name = _("tệp văn bản")
        verbose_name_plural = _("tệp văn bản")


# --- Plain pages --------------------------------------------------------------------------


class StandardPage(VietnameseSlugMixin, CachedPageMixin, Page):
    body = StreamField(BodyBlock(), verbose_name=_("nội dung"), blank=True)
    content_panels = Page.content_panels + [FieldPanel("body")]
    parent_page_types = [
        "areas.PortalHomePage",
        "areas.CommuneHomePage",
        "cms_pages.ProfilePage",
        "cms_pages.StandardPage",
    ]
    search_fields = Page.search_fields + [index.SearchField("body")]

    class Meta:
        verbose_name = _("trang nội dung")
        verbose_name_plural = _("trang nội dung")
