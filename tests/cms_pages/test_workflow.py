"""The commune-aware moderation workflow: the commune's editors submit, its own moderators
publish, and every step is in Wagtail's audit log."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.models import PageLogEntry, WorkflowPage
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from cms_pages.models import AnnouncementIndexPage, AnnouncementPage


def _user(name, group):
    user = get_user_model().objects.create_user(name, password="x-Strong-pass-123")
    user.groups.add(group)
    return user


def _data(**extra):
    return nested_form_data(
        {
            "title": "Thông báo họp dân ấp Chợ",
            "slug": "hop-dan-ap-cho",
            "date": "2026-11-23",
            "summary": "Họp dân bàn kế hoạch làm đường.",
            "body": streamfield([]),
            "valid_from": "2026-11-23 08:00",
            "valid_until": "2026-12-30 17:00",
            "priority": "normal",
            "show_on_boards": "on",
            "attachments": inline_formset([]),
            **extra,
        }
    )


@pytest.mark.django_db
def test_each_unit_has_its_own_workflow_with_its_own_moderators(commune, province):
    workflow = WorkflowPage.objects.get(page=commune).workflow
    assert workflow.name == "Kiểm duyệt · Xã An Trường (29275)"
    task = workflow.tasks.get().specific
    assert list(task.groups.all()) == [commune.moderators_group]
    assert WorkflowPage.objects.get(page=province).workflow.name == "Kiểm duyệt · Tỉnh Trà Vinh (84)"
    # The commune's pages are governed by the commune's workflow, not its district's.
    section = AnnouncementIndexPage.objects.child_of(commune).get()
    assert section.get_workflow() == workflow


@pytest.mark.django_db
def test_editor_submits_own_moderator_publishes_other_moderators_cannot(client, commune, other_commune):
    editor = _user("bientap", commune.editors_group)
    stranger = _user("kiemduyet_xa_khac", other_commune.moderators_group)
    moderator = _user("kiemduyet", commune.moderators_group)
    index = AnnouncementIndexPage.objects.child_of(commune).get()

    # The editor cannot publish, only submit.
    client.force_login(editor)
    add = reverse("wagtailadmin_pages:add", args=["cms_pages", "announcementpage", index.pk])
    response = client.post(add, _data(**{"action-publish": "action-publish"}))
    page = AnnouncementPage.objects.get(slug="hop-dan-ap-cho")
    assert not page.live
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[page.pk]), _data(**{"action-submit": "action-submit"})
    )
    assert response.status_code == 302
    page.refresh_from_db()
    state = page.current_workflow_state
    assert state is not None and state.workflow.name == "Kiểm duyệt · Xã An Trường (29275)"
    task_state = state.current_task_state
    approve = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk])

    # A moderator of another commune cannot approve it.
    client.force_login(stranger)
    response = client.post(approve, {"comment": ""})
    assert response.status_code in (302, 403)
    page.refresh_from_db()
    assert not page.live

    # The commune's own moderator approves: it goes live.
    client.force_login(moderator)
    response = client.post(approve, {"comment": "Đồng ý"})
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live

    actions = list(PageLogEntry.objects.filter(page=page).order_by("timestamp").values_list("action", "user__username"))
    assert ("wagtail.create", "bientap") in actions
    assert ("wagtail.workflow.start", "bientap") in actions
    assert ("wagtail.workflow.approve", "kiemduyet") in actions
    assert ("wagtail.publish", "kiemduyet") in actions
