"""Keep the Wagtail admin to each user's own part of the tree.

Page permissions already confine a commune editor's explorer, edits and choosers to their
commune. One place still lists every Site of the installation: the "Site" filter of the page
explorer (thousands of checkboxes for a commune editor). It is scoped here to the Sites
inside the part of the tree the user may explore.
"""

from wagtail.admin.views.pages.listing import PageFilterSet
from wagtail.models import Site
from wagtail.permission_policies.pages import PagePermissionPolicy


def sites_for_request(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Site.objects.none()
    if user.is_superuser:
        return Site.objects.all()
    root = PagePermissionPolicy().explorable_root_instance(user)
    if root is None:
        return Site.objects.none()
    return Site.objects.filter(root_page__path__startswith=root.path).order_by("hostname")


def install():
    PageFilterSet.base_filters["site"].queryset = sites_for_request
