"""Every patch tincoso applies to Wagtail, in one place, installed from CoreConfig.ready().

1. Flat URL building (core/site_roots.py): Wagtail finds the Site of a page by scanning every
   Site's root path for each link it builds, O(number of Sites); the patch looks up only the
   page's own ancestors in an index rebuilt when the Sites change.
2. Tree ranges (core/tree_queries.py): `descendant_of` as a range [path, next sibling's path)
   instead of `LIKE 'prefix%'`, so that the page table's index answers it on every database.
3. The page explorer's "Site" filter lists only the Sites inside the part of the tree the
   user may explore, not every Site of the province (thousands of checkboxes for a commune
   editor).

4. Vietnamese slugs (core/slugs.py): every page made in the admin, by any path (the slug Wagtail's
   JavaScript makes from the title, a blank slug, copy, import), gets the project's folding
   ("Cảnh báo lốc xoáy" → canh-bao-loc-xoay, not cnh-bao-lc-xoay).

Each patch replaces a private or semi-private piece of Wagtail, so the Wagtail version is
checked: an upgrade past the tested series stops the start-up with a clear message instead of
silently running on code these patches were not written for. Re-test the patches (tests of
core, bench/bench_pages.py) and raise SUPPORTED when upgrading.
"""

import wagtail
from django.core.exceptions import ImproperlyConfigured
from wagtail.admin.views.pages.listing import PageFilterSet
from wagtail.models import Site
from wagtail.permission_policies.pages import PagePermissionPolicy

from core import site_roots, slugs, tree_queries

# The Wagtail (major, minor) series these patches were written and tested against.
SUPPORTED = {(8, 0)}


def check_version(version=None):
    major_minor = tuple((version or wagtail.VERSION)[:2])
    if major_minor not in SUPPORTED:
        raise ImproperlyConfigured(
            f"core/wagtail_patches.py patches Wagtail {', '.join('.'.join(map(str, v)) for v in sorted(SUPPORTED))}, "
            f"not {'.'.join(map(str, major_minor))}: check each patch against the new version and update SUPPORTED."
        )


def sites_for_request(request):
    """The Sites the "Site" filter of the page explorer offers to this request's user."""

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Site.objects.none()
    if user.is_superuser:
        return Site.objects.all()
    root = PagePermissionPolicy().explorable_root_instance(user)
    if root is None:
        return Site.objects.none()
    return Site.objects.filter(root_page__path__startswith=root.path).order_by("hostname")


def _install_site_filter():

    PageFilterSet.base_filters["site"].queryset = sites_for_request


def install():
    check_version()
    site_roots.install()
    tree_queries.install()
    slugs.install()
    _install_site_filter()
