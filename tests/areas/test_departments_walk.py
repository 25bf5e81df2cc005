"""No admin URL shows a department's staff anything outside their department.

The walk of tests/areas/test_admin_walk.py (every admin URL pattern, with other units' ids, a
search word and filters) as an editor and a moderator of Sở Y tế of the province: the other
units' rows (MARK), xã An Trường's own rows (OWN_MARK: for a department they are another unit's),
another department's items and the province's own (UBND) items, drafts and published, must not
show. The department's own items carry DEPT_MARK, which the walk must see on the page search and
the explorer, so a walk that sees nothing fails too.
"""

import pytest
from django.test import Client

from areas.departments import provision_department
from areas.models import Department
from sources.models import SourceItemPage
from tests.areas.test_admin_walk import (
    MARK,
    OWN_MARK,
    PHONE,
    Unit,
    assert_no_leaks,
    walk,
    world,  # noqa: F401 (the fixture)
)
from tests.factories import push
from tests.sources.test_departments import staff, write

DEPT_MARK = "zqd44d"  # in the department's own items


def _department(area, name, code):
    row = Department.objects.create(area=area, name=name, code=code)
    provision_department(row)
    row.refresh_from_db()
    return row


@pytest.fixture
def department_world(world, province, commune):  # noqa: F811
    # Names unmarked: Wagtail's workflow reports and task chooser name every workflow (as they
    # already do for the communes'); codes (the sections' slugs) and items marked.
    health = _department(province, "Sở Y tế", f"so-y-te-{DEPT_MARK}")
    agriculture = _department(province, "Sở Nông nghiệp", f"so-nn-{MARK}")
    foreign = Unit(agriculture.section)
    foreign.add(agriculture)
    foreign.pages["draft"] = write(agriculture, f"Bí mật {MARK} tin nháp của sở khác", communes=[commune], live=False)
    foreign.add(foreign.pages["draft"])
    foreign.add(write(agriculture, f"Bí mật {MARK} tin của sở khác", communes=[commune]))
    foreign.add(push(province, f"Bí mật {MARK} tin của UBND tỉnh", communes=[commune]))
    foreign.add(push(province, f"Bí mật {MARK} nháp của UBND tỉnh", communes=[commune], live=False))
    world.foreign.append(foreign)
    write(health, f"Tin {DEPT_MARK} của sở y tế", communes=[commune])
    write(health, f"Nháp {DEPT_MARK} của sở y tế", communes=[commune], live=False)
    return world, health


@pytest.mark.django_db
def test_a_department_editor_and_moderator_see_nothing_outside_their_department(department_world):
    seeded, health = department_world
    editor = staff(health.editors_group, "bt-so-y-te-walk")
    moderator = staff(health.moderators_group, "kd-so-y-te-walk")
    for who, user in (("department editor", editor), ("department moderator", moderator)):
        report = walk(user, seeded, marks=(MARK, PHONE, OWN_MARK))
        assert_no_leaks(report, who)
        # Every pattern of "Sở, ngành, phòng ban" is requested with the other department's id
        # (the other apps' patterns are test_admin_walk.py's to name).
        unnamed = {n: why for n, why in report.skipped.items() if n.startswith("departments:")}
        assert not unnamed, unnamed
        assert {"departments:edit", "departments:history", "departments:usage"} <= report.walked
        assert report.patterns >= 250
    # The walk is signed in and reaches the department's own rows.
    client = Client()
    client.force_login(editor)
    assert DEPT_MARK in client.get("/admin/pages/search/", {"q": DEPT_MARK}).content.decode()
    assert DEPT_MARK in client.get(f"/admin/pages/{health.section_id}/").content.decode()
    assert SourceItemPage.objects.filter(department=health).count() == 2
