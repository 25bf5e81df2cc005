"""Wagtail hooks of the content pages: the sections every site starts with, and the news and
announcements on each portal's and commune's home."""

from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html
from wagtail import hooks

from areas.models import CommuneHomePage, PortalHomePage
from areas.provisioning import COMMUNE, Section
from cms_pages.models import (
    AnnouncementIndexPage,
    AnnouncementPage,
    ContactPage,
    DocumentIndexPage,
    NewsIndexPage,
    NewsPage,
    ProfilePage,
)
from cms_pages.models.content import paginate, with_card_images


@hooks.register("register_site_sections")
def content_sections():
    return [
        Section(NewsIndexPage, "tin-tuc", "Tin tức", order=10),
        Section(AnnouncementIndexPage, "thong-bao", "Thông báo", order=20),
        Section(DocumentIndexPage, "van-ban", "Văn bản", order=30),
        Section(ProfilePage, "gioi-thieu", "Giới thiệu", order=40, on=(COMMUNE,)),
        Section(ContactPage, "lien-he", "Liên hệ", order=50, on=(COMMUNE,)),
    ]


@hooks.register("construct_home_context")
def home_content(home, request, context):
    if isinstance(home, PortalHomePage):
        _portal_content(home, request, context)
    elif isinstance(home, CommuneHomePage):
        _commune_content(home, context)


def _portal_content(home, request, context):
    area = home.area
    communes = context["all_communes"]
    # Federated news: everything published in the area, the portal's own and its communes'.
    news = with_card_images(NewsPage.objects.live().descendant_of(area).order_by("-date", "-pk"))
    commune_code = request.GET.get("xa", "")
    by_code = {c.code: c for c in communes}
    if commune_code in by_code:
        news = news.descendant_of(by_code[commune_code])
        context["commune_filter"] = by_code[commune_code]
    page = paginate(request, news)
    sources = {c.url_path: c for c in communes}
    sources[home.url_path] = home
    context["federated_news"] = [(item, _source(item, sources)) for item in page]
    context["federated_page"] = page
    context["own_announcements"] = (
        AnnouncementPage.objects.live().descendant_of(home).valid_at(timezone.now()).by_priority()[:5]
    )


def _commune_content(home, context):
    context["announcements"] = list(
        AnnouncementPage.objects.live().descendant_of(home).valid_at(timezone.now()).by_priority()[:6]
    )
    context["news"] = list(with_card_images(NewsPage.objects.live().descendant_of(home).order_by("-date", "-pk"))[:7])
    contact = ContactPage.objects.child_of(home).live().first()
    context["contact"] = contact
    context["procedures"] = list(contact.procedures.all()[:6]) if contact else []


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


@hooks.register("insert_global_admin_js")
def vietnamese_slugs_js():
    """Slug fields show the folded slug while the editor types the title (core/slugs.py)."""
    return format_html('<script src="{}"></script>', static("cms_pages/js/vietnamese-slugs.js"))
