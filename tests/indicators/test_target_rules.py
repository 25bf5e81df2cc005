"""The rules that decide Đạt / Chưa đạt (indicators/models.py IndicatorTarget.is_met,
indicators/numbered.py judge, targets_for), the shipped targets' years, the targets file's
messages, and the numbered report's queries as the province grows."""

import csv
import datetime
import io
from fractions import Fraction

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from areas.models import AreaPage, CommuneHomePage, Department
from indicators.compute import NOT_APPLICABLE, Ratio, compute
from indicators.models import CommunicationCentre, IndicatorTarget, SiteCheck
from indicators.numbered import judge, numbered, targets_for

from .conftest import NOVEMBER, at, push
from .test_numbered import bac_lieu  # noqa: F401 — the fixture

pytestmark = pytest.mark.django_db


def target(value, comparison="gte"):
    return IndicatorTarget(code="1.4", year=2025, value=value, comparison=comparison, source="bo")


@pytest.mark.parametrize(
    ("count", "total", "value", "comparison", "met"),
    [
        (2499, 2500, 100, "gte", False),  # 99,96 % is shown as 100,0 % but is not 100 %
        (2500, 2500, 100, "gte", True),
        (6999, 10000, 70, "gte", False),  # 69,99 % rounds to 70,0 %: still below
        (7, 10, 70, "gte", True),  # exactly 70 % meets "≥ 70 %" …
        (7, 10, 70, "gt", False),  # … but not "trên 70 %"
        (7001, 10000, 70, "gt", True),  # 70,01 % is above 70 % though it rounds to 70,0 %
        (853, 1000, "85.3", "gte", True),  # a target with a decimal, compared exactly
        (852, 1000, "85.3", "gte", False),
    ],
)
def test_met_is_decided_exactly_not_after_rounding(count, total, value, comparison, met):
    from decimal import Decimal

    rule = target(Decimal(str(value)), comparison)
    assert rule.is_met(Fraction(count, total)) is met
    checks = judge({("1.4", "", "bo"): rule}, "1.4", "", Ratio(count, total))
    assert [c.met for c in checks] == [met]


def test_a_float_rate_is_read_as_the_fraction_it_stands_for():
    assert target(70, "gt").is_met(0.7) is False  # 0.7 * 100 is 70.00000000000001 in floats
    assert target(70, "gte").is_met(0.7) is True
    assert target(70).is_met(None) is None


def test_nothing_is_judged_without_a_denominator_or_where_it_does_not_apply():
    rule = target(70)
    assert [c.met for c in judge({("1.4", "", "bo"): rule}, "1.4", "", Ratio(0, 0))] == [None]
    assert [c.met for c in judge({("1.4", "", "bo"): rule}, "1.4", "", NOT_APPLICABLE)] == [None]


def test_the_target_in_force_is_the_years_own_or_the_latest_earlier_years():
    """The ministry's shipped targets (migration 0003): 1.3 is 85 % in 2024 and 100 % in 2025."""

    def of(year, code):
        found = targets_for(None, year).get((code, "", "bo"))
        return None if found is None else (found.year, float(found.value))

    assert of(2024, "1.3") == (2024, 85.0)  # the year's own, not the later 2025's
    assert of(2025, "1.3") == (2025, 100.0)
    assert of(2027, "1.3") == (2025, 100.0)  # after the plan: the latest earlier year's
    assert of(2023, "1.1") == (2023, 94.7)
    # The scanned table's first figures of 1.3–1.6 and 2.1 have no readable year: not loaded,
    # so a 2023 report shows no ministry target rather than one for a guessed year.
    assert [of(2023, code) for code in ("1.3", "1.4", "1.5", "1.6", "2.1", "2.2", "3")] == [None] * 7
    assert of(2021, "1.2") == (2021, 6.4)


def test_the_shipped_ministry_targets_are_the_tables_figures():
    got = {(t.code, t.year): (float(t.value), t.comparison) for t in IndicatorTarget.objects.filter(source="bo")}
    assert got == {
        **{("1.1", y): (v, "gte") for y, v in zip(range(2021, 2026), (92.3, 92.6, 94.7, 98.0, 100.0), strict=True)},
        **{("1.2", y): (v, "gte") for y, v in zip(range(2021, 2026), (6.4, 13.2, 20.8, 40.0, 70.0), strict=True)},
        ("1.3", 2024): (85.0, "gte"), ("1.3", 2025): (100.0, "gte"),
        ("1.4", 2024): (85.0, "gte"), ("1.4", 2025): (100.0, "gte"),
        ("1.5", 2024): (70.0, "gte"), ("1.5", 2025): (100.0, "gte"),
        ("1.6", 2024): (45.0, "gte"), ("1.6", 2025): (70.0, "gte"),
        ("2.1", 2024): (99.7, "gte"), ("2.1", 2025): (100.0, "gte"),
        ("2.2", 2024): (50.0, "gte"), ("2.2", 2025): (100.0, "gte"),
        ("3", 2024): (27.0, "gte"), ("3", 2025): (100.0, "gte"),
    }  # fmt: skip


def test_a_bad_line_of_the_targets_file_is_named_by_its_own_line_number(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "# ghi chú\n# ghi chú\ncode,year,value,comparison,applies_to,source,province_code,note\n"
        "1.1,2025,50,gte,,bo,,\n1.9,2025,50,gte,,bo,,\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match=r"Dòng 5: không có chỉ tiêu “1\.9”"):
        call_command("load_indicator_targets", "--file", str(bad), stdout=io.StringIO(), stderr=io.StringIO())


def _queries(area):
    report = compute(area, NOVEMBER, trend=False)
    with CaptureQueriesContext(connection) as ctx:
        numbered(area, NOVEMBER, report=report)
    return len(ctx.captured_queries)


def test_the_numbered_queries_do_not_grow_with_the_province(bac_lieu):  # noqa: F811
    """Bạc Liêu (2 districts, 7 communes) and Trà Vinh (9 districts, 104 communes), each with
    site checks, centres and departments: the same number of queries."""
    small = _queries(bac_lieu.province)
    tra_vinh = AreaPage.objects.get(structure="2024", level="province", code="84")
    districts = list(AreaPage.objects.child_of(tra_vinh).filter(level="district"))
    for district in districts[:5]:
        CommunicationCentre.objects.create(owner=district, name=f"Trung tâm {district.title}")
    for index, commune in enumerate(CommuneHomePage.objects.filter(path__startswith=tra_vinh.path)[:40]):
        SiteCheck.objects.create(
            commune=commune, url="http://x/", checked_at=at(2026, 11, 30, index % 20), status_code=200, ok=True
        )
    for name in ("Sở Y tế", "Sở Tư pháp", "Sở Nội vụ"):
        Department.objects.create(area=tra_vinh, name=name, code=name.lower().replace(" ", "-"))
    Department.objects.update(created_at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC))
    push(tra_vinh, "Lịch tiêm chủng", at(2026, 11, 12))  # so indicator 3 looks for the section too
    assert _queries(tra_vinh) == small


def test_the_two_level_structure_shows_not_applicable_on_the_page_csv_and_pdf(client, tmp_path):
    """No districts: 2.1 and 2.2 say "không áp dụng" (never 0 %), and nothing fails to render."""
    from bs4 import BeautifulSoup
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    (tmp_path / "vn_admin_units_2025.csv").write_text(
        "province_code,province_name,commune_code,commune_name,commune_type\n"
        "96,Cà Mau,91001,Tân Thành,phường\n96,Cà Mau,91002,Lý Văn Lâm,xã\n",
        encoding="utf-8",
    )
    call_command(
        "provision", structure="2025", province=["Cà Mau"], data_dir=str(tmp_path), no_progress=True,
        stdout=io.StringIO(),
    )  # fmt: skip
    province = AreaPage.objects.get(structure="2025", level="province", code="96")
    client.force_login(get_user_model().objects.create_superuser("root_2cap", "r@example.vn", "x-Strong-pass-123"))
    query = {"don_vi": province.pk, "ky": "2026-11"}

    page = client.get(reverse("tincoso_indicators"), query)
    assert page.status_code == 200
    rows = {tr["data-indicator"]: tr for tr in BeautifulSoup(page.content, "html.parser").select("tr[data-indicator]")}
    for code in ("2.1", "2.2"):
        cells = [td.get_text(" ", strip=True) for td in rows[code].find_all("td")]
        assert "không áp dụng" in cells and "0,0%" not in cells and "Chưa đạt" not in " ".join(cells)

    data = client.get(reverse("tincoso_indicators_numbered_csv"), query)
    assert data.status_code == 200
    lines = {r["Mã chỉ tiêu"]: r for r in csv.DictReader(io.StringIO(data.content.decode("utf-8-sig")))}
    assert (lines["2.1"]["Đạt (số)"], lines["2.1"]["Đạt chỉ tiêu của Bộ"]) == ("không áp dụng", "")

    pdf = client.get(reverse("tincoso_indicators_pdf"), query)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_admin_lists_cost_the_same_queries_with_more_rows(client, bac_lieu):  # noqa: F811
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    user = get_user_model().objects.create_user("kd_bl_queries", password="x-Strong-pass-123")
    user.groups.add(bac_lieu.province.moderators_group)
    client.force_login(user)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    targets, centres = reverse("indicator_targets:index"), reverse("communication_centres:index")
    count(targets), count(centres)  # the first request of a session caches a few things
    before = (count(targets), count(centres))
    for code in ("1.1", "1.2", "1.3", "1.5", "1.6"):
        IndicatorTarget.objects.create(code=code, year=2027, value=90, source="tinh", area=bac_lieu.province)
    for district in (bac_lieu.city, bac_lieu.hong_dan):
        CommunicationCentre.objects.create(owner=district, name=f"Trung tâm mới {district.title}")
    assert (count(targets), count(centres)) == before


def test_each_verdict_in_a_table_cell_has_its_own_colour(client, bac_lieu):  # noqa: F811
    """Xã (1.4, 75 %): the ministry's 100 % not met, the province's > 70 % met — the two words are
    coloured each by its own verdict, not both red because one is not met."""
    from bs4 import BeautifulSoup
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    user = get_user_model().objects.create_user("kd_bl_colours", password="x-Strong-pass-123")
    user.groups.add(bac_lieu.province.moderators_group)
    client.force_login(user)
    page = client.get(reverse("tincoso_indicators"), {"don_vi": bac_lieu.province.pk, "ky": "2026-11"})
    soup = BeautifulSoup(page.content, "html.parser")
    cell = soup.select_one('tr[data-row="xa"]').find_all("td")[2]  # 1.1, 1.2, then the website cell
    assert cell.get_text(" ", strip=True).startswith("3/4 (75,0%)")
    classes = {span.get_text(strip=True): span["class"] for span in cell.select("span.indicators-met")}
    assert "not-met" in classes["Bộ: Chưa đạt"] and "is-met" in classes["Tỉnh: Đạt"]
