"""Provisioning a department (sở, ngành of a province; phòng of a district) as a source of
information: its two groups, its own section under the area portal's "Thông tin nguồn", page
permissions on that section only, a collection for its pictures and files, and its moderation
workflow (its editors submit, its moderators approve).

Idempotent like areas/provisioning.py, whose permission lists and workflow shape it mirrors:
`provision_department(department)` run twice changes nothing; a renamed department renames its
groups, section, collection and workflow. The section's page type belongs to the sources app
(above this one): it is declared through the hook `register_department_section`, which returns
a `DepartmentSection(model, parent)`: the department's section (`model`) is made under the
portal's section of type `parent`. Without the hook (sources not installed), nothing is made.

Deactivating a department (`is_active` off) keeps its section and every item in it, published
or not; it takes the page permissions away from its groups, so its staff can no longer write,
and areas.scoping.user_departments no longer counts them. Activating it again gives them back.
"""

from collections import Counter
from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from wagtail import hooks
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    WorkflowPage,
)

from areas.models import Department, PortalHomePage
from areas.provisioning import (
    EDITOR_COLLECTION_PERMS,
    EDITOR_PAGE_PERMS,
    MODERATOR_COLLECTION_PERMS,
    MODERATOR_PAGE_PERMS,
    moderation_workflow,
)
from core.text import slugify_vi

EDITORS_LABEL = "biên tập"
MODERATORS_LABEL = "kiểm duyệt"


class DepartmentError(Exception):
    """A department cannot be provisioned (no portal or no source section): the message says why."""


@dataclass(frozen=True)
class DepartmentSection:
    model: type  # the page type of a department's own section
    parent: type  # the portal's section it is made under ("Thông tin nguồn")


def department_section():
    """The DepartmentSection the apps register (the last one wins), or None."""
    found = [hook() for hook in hooks.get_hooks("register_department_section")]
    return found[-1] if found else None


def group_name(department, label):
    """'Sở Y tế – Tỉnh Trà Vinh · biên tập'."""
    return f"{department.full_name} · {label}"


def workflow_name(department):
    return f"Kiểm duyệt · {department.full_name}"


def task_name(department):
    return f"Kiểm duyệt viên {department.full_name} duyệt"


def provision_department(department):
    """Create or bring up to date everything `department` needs, in one transaction. Returns a
    Counter of what was created or changed ("group", "section", …); DepartmentError if the
    area has no portal or no source section."""
    with transaction.atomic():
        return _Provision(department).run()


class _Provision:
    def __init__(self, department):
        self.department = department
        self.stats = Counter()

    def run(self):
        department = self.department
        self.previous_name = self._old_name()  # before the groups are renamed: finds the collection
        editors = self._group(department.editors_group, group_name(department, EDITORS_LABEL))
        moderators = self._group(department.moderators_group, group_name(department, MODERATORS_LABEL))
        section = self._section()
        collection = self._collection()
        updates = {}
        for name, value in (("editors_group", editors), ("moderators_group", moderators), ("section", section)):
            if getattr(department, f"{name}_id") != getattr(value, "pk", None):
                setattr(department, name, value)
                updates[name] = value
        if updates:
            Department.objects.filter(pk=department.pk).update(**updates)
        if section is not None:
            self._page_permissions(section, editors, moderators)
            self._workflow(section, moderators)
        self._collection_permissions(collection, editors, moderators)
        access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        for group in (editors, moderators):
            if not group.permissions.filter(pk=access_admin.pk).exists():
                group.permissions.add(access_admin)
                self.stats["global permission"] += 1
        return self.stats

    def _group(self, group, name):
        taken = Group.objects.filter(name=name).exclude(pk=getattr(group, "pk", None)).first()
        if taken is not None and (
            group is not None  # a rename onto an existing group's name
            or Department.objects.filter(Q(editors_group=taken) | Q(moderators_group=taken)).exists()
        ):
            # Sharing another department's group would give each one's staff the other's section.
            raise DepartmentError(f"Đã có nhóm người dùng “{name}”: hãy đặt cho cơ quan tên khác.")
        if group is None:
            group = taken or Group.objects.create(name=name)
            self.stats["group"] += 1
        elif group.name != name:
            group.name = name
            group.save(update_fields=["name"])
            self.stats["group"] += 1
        return group

    def _section(self):
        """The department's section under the portal's source section (made once, renamed with
        the department); None when no app registers a section type."""
        shape = department_section()
        if shape is None:
            return None
        department = self.department
        section = department.section.specific if department.section_id else None
        if section is not None:
            if section.title != department.name:
                section.title = section.draft_title = department.name
                section.save(update_fields=["title", "draft_title"])
                self.stats["section"] += 1
            return section
        portal = PortalHomePage.objects.child_of(department.area).first()
        if portal is None:
            raise DepartmentError(f"{department.area.title} chưa có cổng thông tin: chạy provision trước.")
        parent = shape.parent.objects.child_of(portal).first()
        if parent is None:
            raise DepartmentError(f"Cổng {portal.title} chưa có chuyên mục Thông tin nguồn.")
        slug = department.code or slugify_vi(department.name)
        taken = set(parent.get_children().values_list("slug", flat=True))
        base, n = slug, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        section = shape.model(title=department.name, draft_title=department.name, slug=slug, live=True)
        parent.add_child(instance=section)
        self.stats["section"] += 1
        return section

    def _collection(self):
        """A collection of the department's own under its area's, for its pictures and files."""
        department = self.department
        area = department.area
        parent = area.collection or Collection.get_first_root_node()
        name = department.full_name
        found = parent.get_children().filter(name__in=[name, self.previous_name]).first()
        if found is None:
            found = parent.add_child(name=name)
            self.stats["collection"] += 1
        elif found.name != name:
            found.name = name
            found.save(update_fields=["name"])
            self.stats["collection"] += 1
        return found

    def _old_name(self):
        group = self.department.editors_group
        suffix = f" · {EDITORS_LABEL}"
        return group.name[: -len(suffix)] if group is not None and group.name.endswith(suffix) else ""

    def _page_permissions(self, section, editors, moderators):
        wanted = set()
        if self.department.is_active:
            for group, codenames in ((editors, EDITOR_PAGE_PERMS), (moderators, MODERATOR_PAGE_PERMS)):
                for codename in codenames:
                    wanted.add((group.pk, _perm("wagtailcore", codename).pk))
        existing = set(
            GroupPagePermission.objects.filter(page=section, group__in=[editors, moderators]).values_list(
                "group_id", "permission_id"
            )
        )
        for group_id, permission_id in sorted(wanted - existing):
            GroupPagePermission.objects.create(group_id=group_id, page=section, permission_id=permission_id)
            self.stats["page permission"] += 1
        gone = existing - wanted
        if gone:
            for group_id, permission_id in gone:
                GroupPagePermission.objects.filter(
                    group_id=group_id, page=section, permission_id=permission_id
                ).delete()
            self.stats["page permission"] += len(gone)

    def _collection_permissions(self, collection, editors, moderators):
        for group, perms in ((editors, EDITOR_COLLECTION_PERMS), (moderators, MODERATOR_COLLECTION_PERMS)):
            for app_label, codename in perms:
                _, created = GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=collection, permission=_perm(app_label, codename)
                )
                if created:
                    self.stats["collection permission"] += 1

    def _workflow(self, section, moderators):
        """The department's own workflow on its section: closer to its items than the area's."""
        department = self.department
        assignment = WorkflowPage.objects.filter(page=section).select_related("workflow").first()
        if moderation_workflow(section, assignment, workflow_name(department), task_name(department), moderators):
            self.stats["workflow"] += 1


def _perm(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)
