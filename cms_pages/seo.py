"""How each site is found: /sitemap.xml for search engines, /robots.txt, and the site map
for people at /so-do-trang/. Each answers for the Site of the request's hostname only.

A portal's sitemap never lists commune pages: commune homes are siblings of the portal's
home, not its descendants (docs/architecture.md), so a Site's subtree is exactly what it serves.
"""

from dataclasses import dataclass, field

from django.contrib.sitemaps import views as sitemap_views
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from wagtail import hooks
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page, Site

from cms_pages.models import AnnouncementIndexPage, DocumentIndexPage, NewsIndexPage

# Sections that can hold thousands of items: the site map shows their latest few.
LISTING_SECTIONS = (NewsIndexPage, AnnouncementIndexPage, DocumentIndexPage)
LATEST_PER_SECTION = 10


def site_for(request):
    site = Site.find_for_request(request)
    if site is None:
        raise Http404("Không có trang web nào ở địa chỉ này.")
    return site


# --- sitemap.xml ----------------------------------------------------------------------------


class SiteSitemap(Sitemap):
    """Wagtail's sitemap of the request's Site: its live public pages, absolute URLs on its
    own hostname. Never falls back to another Site (Wagtail's would to the default one)."""

    def get_wagtail_site(self):
        return site_for(self.request)


def sitemap_xml(request):
    site_for(request)
    return sitemap_views.sitemap(request, {"trang": SiteSitemap(request)})


# --- robots.txt ------------------------------------------------------------------------------


def robots_txt(request):
    site = Site.find_for_request(request)
    sitemap_url = site.root_url + reverse("seo_sitemap_xml") if site is not None else None
    return render(request, "seo/robots.txt", {"sitemap_url": sitemap_url}, content_type="text/plain; charset=utf-8")


# --- the site map for people -----------------------------------------------------------------


@dataclass
class Node:
    page: Page
    url: str
    children: list = field(default_factory=list)
    total: int = 0  # for listing sections: how many items they hold in all

    @property
    def more(self):
        return max(self.total - len(self.children), 0)


def page_tree(pages, root_url_of):
    """Nest pages (ordered by path, the first one the root) into Nodes; pure."""
    pages = list(pages)
    if not pages:
        return None
    root = Node(pages[0], root_url_of(pages[0]))
    by_path = {root.page.path: root}
    for page in pages[1:]:
        parent = by_path.get(page.path[: -Page.steplen])
        if parent is None:  # under a page that is not shown (draft or private)
            continue
        node = Node(page, root_url_of(page))
        parent.children.append(node)
        by_path[page.path] = node
    return root


def site_tree(site, request):
    """The site's page tree; listing sections (news, announcements, documents) carry only
    their latest items, in the order of their own listing. A fixed number of queries: a few for
    the tree, two or three per listing section."""
    home = site.root_page
    listings = list(Page.objects.child_of(home).live().public().type(*LISTING_SECTIONS).specific())
    pages = Page.objects.descendant_of(home, inclusive=True).live().public()
    for section in listings:
        pages = pages.exclude(path__startswith=section.path, depth__gt=section.depth)
    for leave_out in hooks.get_hooks("construct_site_map_pages"):  # e.g. sources: CAP tests
        pages = leave_out(pages)
    tree = page_tree(pages.order_by("path"), lambda page: page.get_url(request))
    if tree is None:
        return None
    nodes = {node.page.pk: node for node in tree.children}
    for section in listings:
        node = nodes.get(section.pk)
        if node is None:
            continue
        # In the section's own order (news by date, announcements in force by priority …).
        items = section.listing().public().defer_streamfields()
        node.total = items.count()
        node.children = [Node(item, item.get_url(request)) for item in items[:LATEST_PER_SECTION]]
    return tree


def html_sitemap(request):
    site = site_for(request)
    tree = site_tree(site, request)
    return render(
        request,
        "seo/sitemap.html",
        {
            "tree": tree,
            "canonical_url": site.root_url + reverse("seo_sitemap"),
            "og_title": "Sơ đồ trang",
            "og_description": "Danh sách các chuyên mục và trang của trang web.",
        },
    )
