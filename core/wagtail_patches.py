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

5.–10. Wagtail screens that show a staff member other units' data (an attacker found them; the
   walk in tests/areas/test_admin_walk.py requests every admin URL as a commune's editor and
   moderator with other units' ids). Where Wagtail 8.0 has a hook, the fix is a hook
   (areas/wagtail_hooks.py: the page chooser's list `construct_page_chooser_queryset`, the admin
   API's images and documents `construct_admin_api`, the move confirmation `before_move_page`).
   These have none:
5. The page chooser's browsing parent and its "chosen" answer: `BrowseView` shows the parent page
   (title, status) of any id and `ChosenMultipleView` returns the titles of any ids; the hook
   filters neither. A parent outside the pages the user may explore is a 404, the chooser opens
   at the user's own part of the tree, and only explorable pages are returned as chosen.
6. Bulk actions (delete, move, publish, add to collection …): their confirmation (GET) lists by
   title the chosen items the user has no permission for; `before_bulk_action` runs only on
   POST. Items the user may not even see are left out of that list.
7. Wagtail's audit log of non-page models: `ModelLogEntry.objects.viewable_by_user` lets anyone
   with one permission on a model read the log of every row (a commune's editor: every commune's
   questions, by title, in "Lịch sử trang"). It is narrowed to the rows the model's permission
   policy (wagtail.permissions.policy_registry: the project's unit-scoped policies) gives the user.
   The same report's "user" filter listed everyone with a page log entry anywhere (Wagtail 8.0's
   SiteHistoryReportFilterSet defines get_user_choices for the user's own entries, but its base
   class asks get_users_queryset): it lists the authors of the entries the user may see.
8. The workflow report's "requested by" and the locked pages report's "locked by" filters list
   every user who ever started a workflow or locked a page, anywhere; they now list those who did
   so on a page the user may edit.
9. The page types usage report counts and names ("last edited") pages of the whole tree; it now
   counts only the pages the user has a permission on, and its "Site" filter offers the Sites
   of the user's part of the tree (as 3. does for the explorer).
10. Tags of images and documents: the popular tags of the images/documents listing and of the
   image chooser, and the tag autocomplete, come from every unit's files; they now come from
   the files the user may see.

Each patch replaces a private or semi-private piece of Wagtail, so the Wagtail version is
checked: an upgrade past the tested series stops the start-up with a clear message instead of
silently running on code these patches were not written for. Re-test the patches (tests of
core, tests/areas/test_admin_walk.py, bench/bench_pages.py) and raise SUPPORTED when upgrading.
"""

import wagtail
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db.models import CharField, Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.http import Http404, JsonResponse
from taggit.models import Tag, TaggedItem
from wagtail.admin import filters as admin_filters
from wagtail.admin.views import chooser
from wagtail.admin.views import tags as admin_tags
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.admin.views.pages.listing import PageFilterSet
from wagtail.admin.views.reports import audit_logging, locked_pages, page_types_usage, workflows
from wagtail.images.views import chooser as image_chooser
from wagtail.models import Page, Site, WorkflowState
from wagtail.models.audit_log import ModelLogEntryManager
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import policy_registry

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


# --- 5.–10. What a staff member may see ---------------------------------------------------

SEE_ACTIONS = ("add", "change", "delete", "choose", "view", "publish")
EXPLORE_ACTIONS = {"add", "change", "publish", "lock", "unlock", "bulk_delete"}  # Wagtail's explorer's


def explorable_pages(user):
    """The pages the user may find in the explorer: those they have a permission on, and the
    ancestors leading to them (Wagtail's own rule); every page for a superuser."""
    if not PagePermissionPolicy().instances_with_direct_explore_permission(user):
        return Page.objects.none()  # no page permission at all (Wagtail's rule has no answer then)
    return PagePermissionPolicy().explorable_instances(user)


def visible_instances(user, model):
    """The rows of `model` the user may see: explorable pages; for another model, the rows its
    permission policy gives the user for any action (a unit-scoped policy: their units' rows; a
    collection policy: their collections' images and documents)."""
    if issubclass(model, Page):
        return model.objects.filter(pk__in=explorable_pages(user).values("pk"))
    return policy_registry.get_by_type(model).instances_user_has_any_permission_for(user, SEE_ACTIONS)


def _install_page_chooser():
    browse_get = chooser.BrowseView.get
    chosen_get = chooser.ChosenMultipleView.get

    def get(self, request, parent_page_id=None):
        user = request.user
        if not user.is_superuser:
            explorable = explorable_pages(user)
            if parent_page_id is not None:
                if not explorable.filter(pk=parent_page_id).exists():
                    raise Http404
            else:
                parent_page_id = _chooser_start(request, explorable)
        return browse_get(self, request, parent_page_id)

    def chosen(self, request):
        if not request.user.is_superuser:
            wanted = [pk for pk in request.GET.getlist("id") if pk.isdigit()]
            allowed = explorable_pages(request.user).filter(pk__in=wanted).values_list("pk", flat=True)
            query = request.GET.copy()
            query.setlist("id", [str(pk) for pk in allowed])
            request.GET = query
        return chosen_get(self, request)

    chooser.BrowseView.get = get
    chooser.ChosenMultipleView.get = chosen


def _chooser_start(request, explorable):
    """Where the chooser opens for a user who is not a superuser: the lowest page above every
    explorable page of the wanted types, else the user's explorable root (Wagtail would open at
    the tree's root, or above every page of those types in the whole tree)."""
    root = PagePermissionPolicy().explorable_root_instance(request.user)
    if root is None:
        raise Http404
    try:
        desired = chooser.page_models_from_string(request.GET.get("page_type") or "wagtailcore.page")
    except (ValueError, LookupError):
        return root.pk  # Wagtail's view answers 404 for it
    if desired == (Page,):
        return root.pk
    of_type = explorable.type(*desired)
    if not of_type.exists():
        return root.pk
    try:
        start = of_type.first_common_ancestor()
    except Page.DoesNotExist:
        return root.pk
    return start.pk if start.path.startswith(root.path) else root.pk


def _install_bulk_actions():
    actionable = BulkAction.get_actionable_objects

    def get_actionable_objects(self):
        objects, extra = actionable(self)
        hidden = extra.get("items_with_no_access")
        if hidden and not self.request.user.is_superuser:
            visible = set(
                visible_instances(self.request.user, self.model)
                .filter(pk__in=[item.pk for item in hidden])
                .values_list("pk", flat=True)
            )
            extra["items_with_no_access"] = [item for item in hidden if item.pk in visible]
        return objects, extra

    BulkAction.get_actionable_objects = get_actionable_objects


def _install_model_log_entries():
    viewable = ModelLogEntryManager.viewable_by_user

    def viewable_by_user(self, user):
        entries = viewable(self, user)
        if user.is_superuser:
            return entries
        allowed = Q(pk__in=[])
        for content_type_id in entries.values_list("content_type_id", flat=True).distinct():
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            if model is None:
                continue
            pks = visible_instances(user, model).values_list(Cast("pk", output_field=CharField()), flat=True)
            allowed |= Q(content_type_id=content_type_id, object_id__in=pks)
        return entries.filter(allowed)

    ModelLogEntryManager.viewable_by_user = viewable_by_user
    audit_logging.SiteHistoryReportFilterSet.get_users_queryset = lambda self: audit_logging.get_users_for_filter(
        self.request.user
    )


def requested_by_for_request(request):
    """The users who started a workflow on a page the request's user may edit."""
    User = get_user_model()
    states = WorkflowState.objects.all()
    if not request.user.is_superuser:
        pages = PagePermissionPolicy().instances_user_has_permission_for(request.user, "change")
        states = states.filter(
            base_content_type_id=ContentType.objects.get_for_model(Page).pk,
            object_id__in=pages.values_list(Cast("pk", output_field=CharField()), flat=True),
        )
    return User.objects.filter(pk__in=states.values("requested_by")).order_by(User.USERNAME_FIELD)


def locked_by_for_request(request):
    """The users who locked a page the request's user may edit."""
    User = get_user_model()
    pages = Page.objects.filter(locked=True)
    if not request.user.is_superuser:
        pages = PagePermissionPolicy().instances_user_has_permission_for(request.user, "change").filter(locked=True)
    return User.objects.filter(pk__in=pages.values("locked_by")).order_by(User.USERNAME_FIELD)


def _install_report_user_filters():
    workflows.WorkflowReportFilterSet.base_filters["requested_by"].queryset = requested_by_for_request
    locked_pages.LockedPagesReportFilterSet.base_filters["locked_by"].queryset = locked_by_for_request


def _install_page_types_usage():
    view = page_types_usage.PageTypesUsageReportView
    everything = view.get_queryset

    def get_queryset(self):
        """Wagtail's, with the pages counted and the "last edited" page taken among the user's."""
        user = self.request.user
        if user.is_superuser:
            return everything(self)
        page_type = ContentType.objects.get_for_model(Page)
        queryset = ContentType.objects.filter(model__in=self.page_models)
        if not Page.objects.filter(depth__gt=1, content_type=page_type).exists():
            queryset = queryset.exclude(id=page_type.id)
        self.queryset = queryset
        queryset = self.filter_queryset(queryset)
        mine = PagePermissionPolicy().instances_user_has_any_permission_for(user, EXPLORE_ACTIONS)
        pages = Page.objects.filter(pk__in=mine.values("pk"))
        language_code = self.filters.form.cleaned_data.get("page_locale", None)
        site_root_path = self.filters.form.cleaned_data.get("site", None)
        if language_code:
            pages = pages.filter(locale__language_code=language_code)
        if site_root_path:
            pages = pages.filter(path__startswith=site_root_path)
        latest = pages.filter(content_type=OuterRef("pk")).order_by(
            F("latest_revision_created_at").desc(nulls_last=True), "title", "-pk"
        )
        return queryset.annotate(
            count=Count("pages", filter=Q(pages__in=pages.values("pk"))),
            last_edited_page_id=Subquery(latest.values("pk")[:1]),
        ).order_by("-count", "app_label", "model")

    view.get_queryset = get_queryset

    filters_init = page_types_usage.PageTypesUsageReportFilterSet.__init__

    def init(self, *args, **kwargs):
        filters_init(self, *args, **kwargs)
        if "site" in self.filters and self.request is not None:
            sites = sites_for_request(self.request).select_related("root_page")
            self.filters["site"].extra["choices"] = [(site.root_page.path, str(site)) for site in sites]

    page_types_usage.PageTypesUsageReportFilterSet.__init__ = init


def visible_tags(user, model=None):
    """Tags on the rows (of `model`, or of any tagged model) the user may see."""
    items = TaggedItem.objects.all()
    if model is not None:
        items = items.filter(content_type=ContentType.objects.get_for_model(model))
    if user.is_superuser:
        return Tag.objects.filter(pk__in=items.values("tag_id"))
    allowed = Q(pk__in=[])
    for content_type_id in items.values_list("content_type_id", flat=True).distinct():
        tagged = ContentType.objects.get_for_id(content_type_id).model_class()
        if tagged is not None:
            pks = visible_instances(user, tagged).values("pk")
            allowed |= Q(content_type_id=content_type_id, object_id__in=pks)
    return Tag.objects.filter(pk__in=items.filter(allowed).values("tag_id"))


def popular_tags_for(user, model, count=10):
    """Wagtail's popular_tags_for_model, among the rows the user may see."""
    return (
        visible_tags(user, model)
        .filter(taggit_taggeditem_items__content_type=ContentType.objects.get_for_model(model))
        .annotate(item_count=Count("taggit_taggeditem_items"))
        .order_by("-item_count")[:count]
    )


def _install_tags():
    media_filters_init = admin_filters.BaseMediaFilterSet.__init__

    def init(self, *args, request=None, **kwargs):
        media_filters_init(self, *args, request=request, **kwargs)
        if request is not None and "tag" in self.filters:
            popular = popular_tags_for(request.user, self._meta.model)
            if popular:
                self.filters["tag"].extra["choices"] = [(tag.name, tag.name) for tag in popular]
            else:
                del self.filters["tag"]

    admin_filters.BaseMediaFilterSet.__init__ = init

    chooser_context = image_chooser.ImageChooseViewMixin.get_context_data

    def get_context_data(self, **kwargs):
        context = chooser_context(self, **kwargs)
        context["popular_tags"] = popular_tags_for(self.request.user, self.model)
        return context

    image_chooser.ImageChooseViewMixin.get_context_data = get_context_data

    autocomplete = admin_tags.autocomplete

    def scoped_autocomplete(request, app_name=None, model_name=None):
        if app_name or model_name:  # a custom tag model: none in this project
            return autocomplete(request, app_name, model_name)
        term = request.GET.get("term", None)
        tags = Tag.objects.none()
        if term:
            tags = visible_tags(request.user).filter(name__istartswith=term).order_by("name")
        limit = admin_tags.TAGS_AUTOCOMPLETE_LIMIT
        return JsonResponse(list(tags.values_list("name", flat=True)[:limit]), safe=False)

    # Read by wagtail.admin.urls when the URLconf is first loaded, after every app's ready().
    admin_tags.autocomplete = scoped_autocomplete


def install():
    check_version()
    site_roots.install()
    tree_queries.install()
    slugs.install()
    _install_site_filter()
    _install_page_chooser()
    _install_bulk_actions()
    _install_model_log_entries()
    _install_report_user_filters()
    _install_page_types_usage()
    _install_tags()
