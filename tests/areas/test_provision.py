"""manage.py provision: exact counts, idempotence, renames, both structures, bad input."""

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

from areas.models import AreaPage, CommuneHomePage, PortalHomePage

DATA = Path(settings.BASE_DIR) / "data"
ROOT = Path(settings.BASE_DIR)


def provision(*args, **kwargs):
    out = io.StringIO()
    call_command("provision", *args, no_progress=True, stdout=out, **kwargs)
    return out.getvalue()


def _expected(structure, province_code):
    """Counts implied by the data files, computed here independently of the code under test."""
    with (DATA / f"vn_admin_units_{structure}.csv").open(encoding="utf-8") as fh:
        communes = [r for r in csv.DictReader(fh) if r["province_code"] == province_code]
    if structure == "2024":
        with (DATA / "vn_districts_2024.csv").open(encoding="utf-8") as fh:
            districts = [r for r in csv.DictReader(fh) if r["province_code"] == province_code]
    else:
        districts = []
    areas = 1 + len(districts)
    sites = areas + len(communes)
    return {
        "areas": areas,
        "portals": areas,
        "communes": len(communes),
        "sites": sites,
        "groups": 2 * sites,
        "collections": sites,
    }


def _counts(structure, province_code):
    province = AreaPage.objects.get(structure=structure, level="province", code=province_code)
    areas = AreaPage.objects.filter(path__startswith=province.path)
    communes = CommuneHomePage.objects.filter(path__startswith=province.path)
    portals = PortalHomePage.objects.filter(path__startswith=province.path)
    units = list(areas) + list(communes)
    group_ids = {u.editors_group_id for u in units} | {u.moderators_group_id for u in units}
    return {
        "areas": areas.count(),
        "portals": portals.count(),
        "communes": communes.count(),
        "sites": Site.objects.filter(root_page__path__startswith=province.path).count(),
        "groups": Group.objects.filter(pk__in=group_ids).count(),
        "collections": Collection.objects.filter(pk__in={u.collection_id for u in units}).count(),
    }


def _snapshot():
    return (
        list(Page.objects.order_by("pk").values_list("pk", "path", "title", "slug", "url_path", "latest_revision_id")),
        list(Site.objects.order_by("pk").values_list("pk", "hostname", "port", "root_page_id", "site_name")),
        list(Group.objects.order_by("pk").values_list("pk", "name")),
        GroupPagePermission.objects.count(),
        GroupCollectionPermission.objects.count(),
        list(Collection.objects.order_by("pk").values_list("pk", "name", "path")),
    )


@pytest.mark.django_db
def test_2024_province_gives_exactly_what_the_data_implies():
    # Trà Vinh was provisioned by the session fixture, as `make run` does.
    assert (
        _counts("2024", "84")
        == _expected("2024", "84")
        == {
            "areas": 10,
            "portals": 10,
            "communes": 104,
            "sites": 114,
            "groups": 228,
            "collections": 114,
        }
    )
    # The database holds nothing else.
    assert Site.objects.count() == 114
    assert CommuneHomePage.objects.count() == 104


@pytest.mark.django_db
def test_each_commune_has_its_sections_site_groups_and_permissions_on_its_subtree_only(commune):
    sections = [p.title for p in commune.get_children().specific()]
    assert sections == ["Tin tức", "Thông báo", "Văn bản", "Giới thiệu", "Liên hệ", "Hỏi đáp"]
    site = Site.objects.get(root_page=commune)
    assert site.hostname == "an-truong.cang-long.tra-vinh.localhost"
    assert site.site_name == "Xã An Trường"
    assert commune.editors_group.name == "Xã An Trường (29275) · Biên tập viên"
    page_perms = GroupPagePermission.objects.filter(group=commune.editors_group)
    assert {p.page_id for p in page_perms} == {commune.pk}
    assert {p.permission.codename for p in page_perms} == {"add_page", "change_page"}
    mod_perms = GroupPagePermission.objects.filter(group=commune.moderators_group)
    assert {p.permission.codename for p in mod_perms} >= {"publish_page"}
    coll_perms = GroupCollectionPermission.objects.filter(group__in=[commune.editors_group, commune.moderators_group])
    assert {p.collection_id for p in coll_perms} == {commune.collection_id}
    # The commune's collection sits inside its district's, inside the province's.
    district = commune.get_parent().specific
    assert commune.collection.get_parent() == district.collection
    assert district.collection.get_parent() == district.get_parent().specific.collection


@pytest.mark.django_db
def test_district_and_province_groups_cover_their_whole_area(province):
    district = AreaPage.objects.get(structure="2024", code="844")
    for area in (province, district):
        perms = GroupPagePermission.objects.filter(group=area.editors_group)
        assert {p.page_id for p in perms} == {area.pk}


@pytest.mark.django_db
def test_second_run_changes_nothing():
    before = _snapshot()
    output = provision(structure="2024", province=["tra vinh"])
    assert "không có gì thay đổi" in output
    assert _snapshot() == before


@pytest.mark.django_db
def test_2025_structure_puts_communes_directly_under_the_province():
    output = provision(structure="2025", province=["Lai Chau"])
    assert "Tạo mới" in output
    expected = _expected("2025", "12")
    assert expected["communes"] == 38
    assert _counts("2025", "12") == expected
    province = AreaPage.objects.get(structure="2025", code="12")
    assert all(c.get_parent().pk == province.pk for c in CommuneHomePage.objects.filter(structure="2025"))
    portal = province.portal
    assert Site.objects.get(root_page=portal).hostname == "lai-chau.localhost"
    home = CommuneHomePage.objects.filter(structure="2025").order_by("code").first()
    assert Site.objects.get(root_page=home).hostname == f"{home.slug}.lai-chau.localhost"
    # And idempotent there too.
    before = _snapshot()
    assert "không có gì thay đổi" in provision(structure="2025", province=["12"])
    assert _snapshot() == before


def _data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


@pytest.mark.django_db
def test_renamed_unit_is_renamed_not_duplicated(tmp_path):
    data = _data_copy(tmp_path)
    path = data / "vn_admin_units_2024.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(",29275,An Trường,xã", ",29275,An Trường Mới,xã"), encoding="utf-8"
    )
    home = CommuneHomePage.objects.get(structure="2024", code="29275")
    output = provision(structure="2024", province=["84"], data_dir=str(data))
    assert "Cập nhật" in output
    assert CommuneHomePage.objects.filter(structure="2024", code="29275").count() == 1
    assert CommuneHomePage.objects.count() == 104
    home.refresh_from_db()
    assert home.title == "Xã An Trường Mới"
    assert home.slug == "an-truong-moi"
    assert Site.objects.get(root_page=home).hostname == "an-truong-moi.cang-long.tra-vinh.localhost"
    assert home.editors_group.name == "Xã An Trường Mới (29275) · Biên tập viên"
    # Its sections moved with it.
    assert home.get_children().first().url_path.startswith(home.url_path)


@pytest.mark.django_db
def test_unknown_province_names_the_closest_matches():
    with pytest.raises(CommandError) as exc:
        provision(structure="2024", province=["tra vin"])
    assert "Không tìm thấy tỉnh 'tra vin'" in str(exc.value)
    assert "Trà Vinh (84)" in str(exc.value)


@pytest.mark.django_db
def test_malformed_row_creates_nothing(tmp_path):
    data = _data_copy(tmp_path)
    path = data / "vn_admin_units_2025.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    bad = next(i for i, line in enumerate(lines) if line.startswith("12,"))
    lines[bad] = lines[bad].rsplit(",", 1)[0] + ",làng"
    path.write_text("\n".join(lines), encoding="utf-8")
    before = _snapshot()
    with pytest.raises(CommandError) as exc:
        provision(structure="2025", province=["Lai Châu"], data_dir=str(data))
    assert f"vn_admin_units_2025.csv:{bad + 1}:" in str(exc.value)
    assert _snapshot() == before


@pytest.mark.django_db
def test_failure_inside_a_province_rolls_the_whole_province_back():
    # A hostname already taken by someone else's Site stops the run half-way through Lai Châu.
    tv = Site.objects.get(hostname="tra-vinh.localhost")
    Site.objects.create(
        hostname="khoen-on.lai-chau.localhost",
        port=settings.SITE_PORT,
        root_page=tv.root_page.get_children().first(),
        site_name="Chiếm chỗ",
    )
    before = _snapshot()
    with pytest.raises(CommandError) as exc:
        provision(structure="2025", province=["Lai Châu"])
    assert "khoen-on.lai-chau.localhost" in str(exc.value)
    assert "không thay đổi gì" in str(exc.value)
    assert _snapshot() == before
    assert not AreaPage.objects.filter(structure="2025").exists()


@pytest.mark.django_db
def test_a_province_stays_in_its_structure():
    provision(structure="2025", province=["Lai Châu"])
    # Lai Châu keeps code 12 in 2024 too; the 2024 tree cannot be laid over the 2025 one.
    with pytest.raises(CommandError, match="đã được tạo theo cấu trúc 2025"):
        provision(structure="2024", province=["12"])


def _run_manage(*args):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env["DATABASE_URL"] = "sqlite:////nonexistent-dir/never-opened.sqlite3"
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


def test_command_exits_non_zero_with_a_clear_message():
    result = _run_manage("provision", "--structure", "2024", "--province", "Ha Nam Ninh")
    assert result.returncode != 0
    assert "Không tìm thấy tỉnh 'Ha Nam Ninh'" in result.stderr
    assert "Hà Nam (35)" in result.stderr

    result = _run_manage("provision", "--structure", "2023", "--all")
    assert result.returncode != 0
    assert "invalid choice: '2023'" in result.stderr and "'2024'" in result.stderr

    result = _run_manage("provision", "--structure", "2024")
    assert result.returncode != 0
    assert "--province" in result.stderr and "--all" in result.stderr
