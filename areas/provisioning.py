"""Creating (and keeping up to date) the area tree, Sites, groups and permissions of a
province from the administrative-unit records of admin_units.py.

Idempotent: units are found by (structure, code), so a second run changes nothing and a
renamed unit is renamed, not duplicated. Each province is provisioned in one transaction.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from wagtail import hooks
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Task,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from areas.admin_units import PORTAL_SLUG, Unit
from areas.models import AreaPage, CommuneHomePage, PortalHomePage
from core import site_roots

# The sections every portal / commune site starts with come from the apps that own their page
# types, through the Wagtail hook "register_site_sections": each hook returns Section rows;
# they are created in `order`. (cms_pages: news, announcements, documents, profile, contact;
# inquiries: questions; sources: the portals' source information.)
PORTAL, COMMUNE = "portal", "commune"


@dataclass(frozen=True)
class Section:
    model: type
    slug: str
    title: str
    order: int
    on: tuple = (PORTAL, COMMUNE)


def sections_for(kind):
    """[(model, slug, title)] of the sections a new portal or commune site starts with."""

    found = [s for hook in hooks.get_hooks("register_site_sections") for s in hook() if kind in s.on]
    return [(s.model, s.slug, s.title) for s in sorted(found, key=lambda s: (s.order, s.slug))]


EDITOR_PAGE_PERMS = ["add_page", "change_page"]
MODERATOR_PAGE_PERMS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
EDITOR_COLLECTION_PERMS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
]
MODERATOR_COLLECTION_PERMS = EDITOR_COLLECTION_PERMS + [
    ("wagtailimages", "delete_image"),
    ("wagtaildocs", "delete_document"),
]
EDITORS, MODERATORS = "editors", "moderators"
EDITORS_SUFFIX = "Biên tập viên"
MODERATORS_SUFFIX = "Kiểm duyệt viên"


class ProvisionError(Exception):
    pass


@dataclass
class ProvisionStats:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)

    @property
    def changed(self):
        return bool(sum(self.created.values()) or sum(self.updated.values()))

    def merge(self, other):
        self.created.update(other.created)
        self.updated.update(other.updated)


def global_permissions(role):
    """[(app_label, codename)] of the model permissions a unit's editors or moderators get, from
    the apps that need them (Wagtail hook "register_unit_permissions", returning
    {EDITORS: [...], MODERATORS: [...]}): e.g. the questions' queue, whose rows each user then
    sees by their units (areas/scoping.py)."""

    found = []
    for hook in hooks.get_hooks("register_unit_permissions"):
        found += [perm for perm in hook().get(role, []) if perm not in found]
    return found


def portal_title(unit):
    type_word, _, _ = unit.full_name.partition(" " + unit.name)
    return f"Cổng thông tin điện tử {type_word.lower()} {unit.name}"


def workflow_name(unit):
    return f"Kiểm duyệt · {unit.full_name} ({unit.code})"


def task_name(unit):
    return f"Kiểm duyệt viên {unit.full_name} ({unit.code}) duyệt"


def group_name(unit, suffix):
    return f"{unit.full_name} ({unit.code}) · {suffix}"


def moderation_workflow(page, assignment, name, task, moderators):
    """A workflow named `name` on `page` with one approval task (`task`) of the `moderators`
    group: made when the page has none (`assignment`, its WorkflowPage, is None), renamed with its
    task when the name changed. Says what it did: "created", "renamed" or "". For a unit (above)
    and a department (areas/departments.py)."""
    if assignment is None:
        approval = GroupApprovalTask.objects.create(name=task)
        approval.groups.set([moderators])
        workflow = Workflow.objects.create(name=name, active=True)
        WorkflowTask.objects.create(workflow=workflow, task=approval, sort_order=0)
        WorkflowPage.objects.create(page=page, workflow=workflow)
        return "created"
    workflow = assignment.workflow
    if workflow.name == name:
        return ""
    workflow.name = name
    workflow.save(update_fields=["name"])
    Task.objects.filter(workflow_tasks__workflow=workflow).update(name=task)
    return "renamed"


class _Permissions:
    """Looks up the Permission rows once per run."""

    def __init__(self):
        apps = {"wagtailcore", "wagtailimages", "wagtaildocs", "wagtailadmin"}
        apps |= {app for role in (EDITORS, MODERATORS) for app, _codename in global_permissions(role)}
        perms = Permission.objects.select_related("content_type").filter(content_type__app_label__in=apps)
        self.by_key = {(p.content_type.app_label, p.codename): p for p in perms}

    def page(self, codename):
        return self.by_key[("wagtailcore", codename)]

    def get(self, app_label, codename):
        return self.by_key[(app_label, codename)]


class Provisioner:
    def __init__(self, structure, base_domain, port, on_commune=None):
        self.structure = structure
        self.base_domain = base_domain
        self.port = port
        self.on_commune = on_commune or (lambda unit: None)
        self.perms = _Permissions()
        self.stats = ProvisionStats()

    # --- one province, atomically ------------------------------------------------------

    def provision(self, province: Unit):
        try:
            with transaction.atomic():
                self._provision(province)
        except IntegrityError as exc:
            raise ProvisionError(f"{province.full_name} ({province.code}): {exc}") from exc
        site_roots.invalidate()
        return self.stats

    def _provision(self, province):
        other = AreaPage.objects.filter(level="province", code=province.code).exclude(structure=self.structure).first()
        if other is not None:
            raise ProvisionError(
                f"{province.full_name} ({province.code}) đã được tạo theo cấu trúc {other.structure}; "
                f"không thể tạo lại theo cấu trúc {self.structure} trong cùng hệ thống"
            )
        units = list(_walk(province))
        codes = [u.code for u in units if u.level != "commune"]
        access = ("editors_group", "moderators_group", "collection")
        self.areas = {
            (a.level, a.code): a
            for a in AreaPage.objects.filter(structure=self.structure, code__in=codes).select_related(*access)
        }
        self.communes = {
            c.code: c
            for c in CommuneHomePage.objects.filter(
                structure=self.structure, code__in=[c.code for c in province.communes()]
            ).select_related(*access)
        }
        # Group names and hostnames in use, looked up once per province rather than once per
        # unit, and kept current below as rows are created or renamed: each look-up gives
        # the answer the per-unit query gave.
        names = [group_name(u, suffix) for u in units for suffix in (EDITORS_SUFFIX, MODERATORS_SUFFIX)]
        self.group_names = dict(_in_chunks(Group.objects.values_list("name", "pk"), "name", names))
        hostnames = [u.hostname(self.base_domain) for u in units]
        self.sites_by_host = {
            s.hostname: s for s in _in_chunks(Site.objects.filter(port=self.port), "hostname", hostnames)
        }
        self.new_collections = {}
        self.workflows = {
            wp.page_id: wp
            for wp in WorkflowPage.objects.filter(
                page_id__in=[p.pk for p in [*self.areas.values(), *self.communes.values()]]
            ).select_related("workflow")
        }
        self.grants_page, self.grants_collection, self.grants_global = set(), set(), set()

        root = Page.get_first_root_node()
        root_collection = Collection.get_first_root_node()
        self._area(root, root_collection, province)
        self._write_grants()
        if not Site.objects.filter(is_default_site=True).exists():
            Site.objects.filter(root_page=self.areas[("province", province.code)].portal).update(is_default_site=True)

    def _area(self, parent_page, parent_collection, unit):
        area, area_created = self._unit_page(AreaPage, parent_page, unit, self.areas.get((unit.level, unit.code)))
        self.areas[(unit.level, unit.code)] = area
        collection = self._access(area, unit, parent_collection, area)

        portal = None if area_created else PortalHomePage.objects.child_of(area).first()
        portal_created = portal is None
        if portal is None:
            portal = PortalHomePage(title=portal_title(unit), slug=PORTAL_SLUG, live=True)
            area.add_child(instance=portal)
            self.stats.created["portal"] += 1
        elif portal.title != portal_title(unit):
            portal.title = portal_title(unit)
            portal.save(update_fields=["title", "draft_title"])
            self.stats.updated["portal"] += 1
        self._sections(portal, sections_for(PORTAL), new_parent=portal_created)
        self._site(portal, unit, new_root=portal_created)

        self._child_collections(collection, unit.children)
        for child in unit.children:
            if child.level == "commune":
                self._commune(area, collection, child)
            else:
                self._area(area, collection, child)

    def _commune(self, area, parent_collection, unit):
        home, created = self._unit_page(CommuneHomePage, area, unit, self.communes.get(unit.code))
        self.communes[unit.code] = home
        self._access(home, unit, parent_collection, home)
        self._sections(home, sections_for(COMMUNE), new_parent=created)
        self._site(home, unit, new_root=created)
        self.on_commune(unit)

    # --- pages and sites ---------------------------------------------------------------

    def _unit_page(self, model, parent, unit, page):
        fields = {
            "title": unit.full_name,
            "slug": unit.slug,
            "short_name": unit.name,
            "unit_type": unit.unit_type,
            "level": unit.level,
        }
        if page is None:
            page = model(structure=self.structure, code=unit.code, live=True, draft_title=unit.full_name, **fields)
            parent.add_child(instance=page)
            self.stats.created[unit.level] += 1
            return page, True
        if page.get_parent().pk != parent.pk:
            page.move(parent, pos="last-child")
            page.refresh_from_db()
            self.stats.updated[unit.level] += 1
        changed = [name for name, value in fields.items() if getattr(page, name) != value]
        if changed:
            for name in changed:
                setattr(page, name, fields[name])
            page.draft_title = page.title
            page.save()
            self.stats.updated[unit.level] += 1
        return page, False

    def _sections(self, parent, sections, new_parent=False):
        if new_parent:
            self._first_children(
                parent,
                [
                    model(title=title, draft_title=title, slug=slug, live=True, show_in_menus=True)
                    for model, slug, title in sections
                ],
            )
            self.stats.created["section"] += len(sections)
            return
        present = set(parent.get_children().values_list("content_type__model", flat=True))
        for model, slug, title in sections:
            if model._meta.model_name not in present:
                parent.add_child(instance=model(title=title, slug=slug, live=True, show_in_menus=True))
                self.stats.created["section"] += 1

    @staticmethod
    def _first_children(parent, pages):
        """Save pages as the first children of a page created a moment ago, in order.

        What parent.add_child(instance=page) does for each, without asking the database
        what it already knows: the parent is locked by this transaction and has no
        children, so the paths are the parent's + 0001, 0002 …; the locale is the
        parent's (Wagtail's default for a new page); the slugs are fixed and distinct, so
        Page.full_clean's look-ups (slug free among siblings, unique path and translation
        key, foreign keys exist) cannot fail and are skipped. Page.save still runs as usual
        (url_path, search index, reference index, "wagtail.create" log entry)."""
        depth = parent.depth + 1
        for step, page in enumerate(pages, start=1):
            page.depth = depth
            page.path = parent._get_path(parent.path, depth, step)
            page.locale_id = parent.locale_id
            page._cached_parent_obj = parent
            page.save(clean=False)
        Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(pages))
        parent.numchild += len(pages)

    def _site(self, root_page, unit, new_root=False):
        hostname = unit.hostname(self.base_domain)
        # A page created a moment ago is the root of no Site yet.
        site = None if new_root else Site.objects.filter(root_page=root_page).first()
        if site is None:
            clash = self.sites_by_host.get(hostname)
            if clash is not None:
                raise ProvisionError(
                    f"{unit.full_name} ({unit.code}): tên miền {hostname}:{self.port} đã thuộc về trang "
                    f"{clash.site_name!r}"
                )
            site = Site.objects.create(hostname=hostname, port=self.port, root_page=root_page, site_name=unit.full_name)
            self.sites_by_host[site.hostname] = site
            self.stats.created["site"] += 1
        elif (site.hostname, site.port, site.site_name) != (hostname, self.port, unit.full_name):
            if site.port == self.port and getattr(self.sites_by_host.get(site.hostname), "pk", None) == site.pk:
                del self.sites_by_host[site.hostname]
            site.hostname, site.port, site.site_name = hostname, self.port, unit.full_name
            site.save()
            self.sites_by_host[site.hostname] = site
            self.stats.updated["site"] += 1

    # --- groups, collection and permissions --------------------------------------------

    def _access(self, page, unit, parent_collection, permission_root):
        updates = []
        editors = self._group(page.editors_group, group_name(unit, EDITORS_SUFFIX))
        moderators = self._group(page.moderators_group, group_name(unit, MODERATORS_SUFFIX))
        collection = page.collection
        if collection is None:
            collection = self.new_collections.pop((unit.level, unit.code), None)
            if collection is None:
                collection = parent_collection.add_child(name=unit.full_name)
            self.stats.created["collection"] += 1
        elif collection.name != unit.full_name:
            collection.name = unit.full_name
            collection.save(update_fields=["name"])
            self.stats.updated["collection"] += 1
        for name, value in (("editors_group", editors), ("moderators_group", moderators), ("collection", collection)):
            if getattr(page, name + "_id") != value.pk:
                setattr(page, name, value)
                updates.append(name)
        if updates:
            # A plain UPDATE of the specific table's columns: no new revision, no signals.
            type(page).objects.filter(pk=page.pk).update(**{name: getattr(page, name) for name in updates})

        access_admin = self.perms.get("wagtailadmin", "access_admin")
        for group, page_perms, collection_perms, global_perms in (
            (editors, EDITOR_PAGE_PERMS, EDITOR_COLLECTION_PERMS, global_permissions(EDITORS)),
            (moderators, MODERATOR_PAGE_PERMS, MODERATOR_COLLECTION_PERMS, global_permissions(MODERATORS)),
        ):
            self.grants_global.add((group.pk, access_admin.pk))
            for app_label, codename in global_perms:
                self.grants_global.add((group.pk, self.perms.get(app_label, codename).pk))
            for codename in page_perms:
                self.grants_page.add((group.pk, permission_root.pk, self.perms.page(codename).pk))
            for app_label, codename in collection_perms:
                self.grants_collection.add((group.pk, collection.pk, self.perms.get(app_label, codename).pk))
        self._workflow(permission_root, unit, moderators)
        return collection

    def _workflow(self, page, unit, moderators):
        """The unit's own moderation workflow: its editors submit, its moderators approve.
        Attached where its permissions are, so it governs its pages and nothing else
        (a commune's own workflow is closer to its pages than its district's)."""
        done = moderation_workflow(page, self.workflows.get(page.pk), workflow_name(unit), task_name(unit), moderators)
        if done:
            (self.stats.created if done == "created" else self.stats.updated)["workflow"] += 1

    def _child_collections(self, parent_collection, units):
        """Create, in name order, the collections that the children of an area still lack.

        Wagtail keeps sibling collections sorted by name (node_order_by), so adding one in
        front of others rewrites the path of every later sibling: creating a province's
        communes in code order cost O(n²) UPDATEs. Created in the database's own name order,
        each new collection goes last. Same tree, same names; _access picks them up."""
        wanted = []
        for u in units:
            page = self.communes.get(u.code) if u.level == "commune" else self.areas.get((u.level, u.code))
            if page is None or page.collection_id is None:
                wanted.append(u)
        if not wanted:
            return
        rank = _db_name_order([u.full_name for u in wanted])
        for u in sorted(wanted, key=lambda u: (rank[u.full_name], u.code)):
            self.new_collections[(u.level, u.code)] = parent_collection.add_child(name=u.full_name)

    def _group(self, group, name):
        """The unit's group is the one its page points at; a name is only a label, made
        unique (a 2024 and a 2025 commune can share name and code) by adding the structure."""
        if group is not None and group.name in (name, self._qualified(name)):
            return group
        taken = self.group_names.get(name, getattr(group, "pk", None)) != getattr(group, "pk", None)
        name = self._qualified(name) if taken else name
        if group is None:
            self.stats.created["group"] += 1
            group = Group.objects.create(name=name)
            self.group_names[name] = group.pk
            return group
        if self.group_names.get(group.name) == group.pk:
            del self.group_names[group.name]
        group.name = name
        group.save(update_fields=["name"])
        self.group_names[name] = group.pk
        self.stats.updated["group"] += 1
        return group

    def _qualified(self, name):
        return f"{name} [{self.structure}]"

    def _write_grants(self):
        group_ids = {g for g, _, _ in self.grants_page} | {g for g, _ in self.grants_global}
        existing_page = set(
            GroupPagePermission.objects.filter(group_id__in=group_ids).values_list(
                "group_id", "page_id", "permission_id"
            )
        )
        missing = self.grants_page - existing_page
        GroupPagePermission.objects.bulk_create(
            [GroupPagePermission(group_id=g, page_id=p, permission_id=perm) for g, p, perm in sorted(missing)]
        )
        self.stats.created["page permission"] += len(missing)

        existing_collection = set(
            GroupCollectionPermission.objects.filter(group_id__in=group_ids).values_list(
                "group_id", "collection_id", "permission_id"
            )
        )
        missing = self.grants_collection - existing_collection
        GroupCollectionPermission.objects.bulk_create(
            [
                GroupCollectionPermission(group_id=g, collection_id=c, permission_id=perm)
                for g, c, perm in sorted(missing)
            ]
        )
        self.stats.created["collection permission"] += len(missing)

        through = Group.permissions.through
        existing_global = set(through.objects.filter(group_id__in=group_ids).values_list("group_id", "permission_id"))
        missing = self.grants_global - existing_global
        through.objects.bulk_create([through(group_id=g, permission_id=p) for g, p in sorted(missing)])
        self.stats.created["global permission"] += len(missing)


def _walk(unit):
    yield unit
    for child in unit.children:
        yield from _walk(child)


def _in_chunks(queryset, field, values, size=500):
    """queryset.filter(field__in=values), a few hundred values per query."""
    values = list(dict.fromkeys(values))
    for i in range(0, len(values), size):
        yield from queryset.filter(**{f"{field}__in": values[i : i + size]})


def _db_name_order(names):
    """{name: rank} in the order the database sorts the names (its collation), which is
    the order treebeard's `name > …` comparisons give sorted siblings."""
    distinct = list(dict.fromkeys(names))
    rows = ", ".join(["(%s)"] * len(distinct))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT column1 FROM (VALUES {rows}) AS names ORDER BY column1", distinct)
        return {name: rank for rank, (name,) in enumerate(cursor.fetchall())}
