"""The ministry's numbered indicators (indicators/numbered.py) against a small province made for
them, every figure added up by hand below; the targets (the ministry's, shipped, and the
province's own), Đạt / Chưa đạt, the page, the CSV of the numbered indicators and as_json.

Tỉnh Bạc Liêu (2024 structure, provisioned from a copy of the data, code 95), November 2026:
T = 01/12/2026 00:00. Windows: site checks [24/11, 01/12), content [01/11, 01/12), boards seen
[30/11, 01/12).

  Thành phố Bạc Liêu (thành phố, 951)
    Phường 1        station wired, both hamlets reached           1.1 yes  1.2 no
                    check 28/11 200 → answers                     1.3 yes
                    news 15/11                                    1.3-30 yes
                    board seen 30/11 12:00                        1.5 yes
    Phường 2        station IP since 01/03/2025, its cluster seen 30/11 20:00   1.1 yes  1.2 yes
                    checks 29/11 200 then 30/11 500 → latest 500  1.3 no
    Xã Hiệp Thành   check 30/11 200                               1.4 yes
                    board seen 30/11 22:00                        1.6 yes
    the city's own LED (large) seen 30/11 23:00                   2.2 yes (a thành phố)
    communication centre, operating, decided 01/05/2020           2.1 yes
  Huyện Hồng Dân (huyện, 952)
    Thị trấn Ngan Dừa   check 20/11 200: older than 7 days        1.3 no
                        board last seen 29/11 20:00 (> 24 h)      1.5 no
    Xã Ninh Quới    station FM, every hamlet reached              1.1 yes
                    check 30/11 200                               1.4 yes
    Xã Ninh Hòa     station wired, one hamlet not reached         1.1 no
                    check 29/11 404; a 200 at 01/12 00:00 is T itself, not before it   1.4 no
                    news 20/11                                    1.4-30 yes
    Xã Lộc Ninh     check 30/11 200                               1.4 yes
    centre registered but not operating                           2.1 no
    published a source item on 10/11 (its portal)                 supplies information
  The province: Sở Y tế published an item on 12/11 (supplied), Sở Nông nghiệp nothing.

  1.1  P1, P2, Ninh Quới          3/7 = 42,9 %      1.2  P2                      1/7 = 14,3 %
  1.3  P1                         1/3 = 33,3 %      1.3-30  P1                   1/3 = 33,3 %
  1.4  Hiệp Thành, N. Quới, L. Ninh 3/4 = 75,0 %    1.4-30  Ninh Hòa             1/4 = 25,0 %
  1.5  P1                         1/3 = 33,3 %      1.6  Hiệp Thành              1/4 = 25,0 %
  2.1  Bạc Liêu                   1/2 = 50,0 %      2.2  Bạc Liêu                1/2 = 50,0 %
       2.2 thành phố, thị xã 1/1 = 100 %; huyện 0/1 = 0 %
  3    a live "Thông tin nguồn" section and 2 items published in November → 1/1
  sở, ngành 1/2 = 50 %; huyện cung cấp: Hồng Dân → 1/2 = 50 %

Targets for 2026: the ministry has none, so its 2025 ones stand (data/indicator_targets.csv):
1.1 ≥ 100, 1.2 ≥ 70, 1.3 ≥ 100, 1.4 ≥ 100, 1.5 ≥ 100, 1.6 ≥ 70, 2.1 ≥ 100, 2.2 ≥ 100, 3 ≥ 100:
every one "Chưa đạt" but 3 "Đạt". The province's own for 2026 (made here): 1.4 > 70 → 75 % Đạt;
2.2 thành phố, thị xã ≥ 100 → Đạt; 2.2 huyện > 80 → Chưa đạt; sở, ngành ≥ 100 → Chưa đạt.
"""

import csv
import datetime
import io
import types

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from areas.models import AreaPage, CommuneHomePage, Department, PortalHomePage
from indicators.compute import NOT_APPLICABLE, Ratio
from indicators.models import CommunicationCentre, IndicatorTarget, SiteCheck
from indicators.numbered import as_json, numbered
from sources.models import SourceItemPage
from station.models import Hamlet, Station

from .conftest import NOVEMBER, at, board, content, push

pytestmark = pytest.mark.django_db
PASSWORD = "x-Strong-pass-123"


def station(owner, technology, hamlets, converted_on=None, working=True):
    made = Station.objects.create(owner=owner, technology=technology, converted_on=converted_on, working=working)
    for order, (name, reached, clusters) in enumerate(hamlets):
        hamlet = Hamlet.objects.create(station=made, kind="ap", name=name, reached=reached, sort_order=order)
        hamlet.clusters.set(clusters)
        hamlet.clusters.commit()
    return made


def check(commune, moment, status):
    return SiteCheck.objects.create(
        commune=commune,
        url=f"http://{commune.slug}.example/",
        checked_at=moment,
        status_code=status,
        ok=200 <= status < 300,
        ms=12,
        error="" if status == 200 else f"Trang trả lời mã {status}.",
    )


def provision_bac_lieu(tmp_path):
    (tmp_path / "vn_admin_units_2024.csv").write_text(
        "province_code,province_name,district_code,district_name,commune_code,commune_name,commune_type\n"
        "95,Bạc Liêu,951,Bạc Liêu,90001,1,phường\n"
        "95,Bạc Liêu,951,Bạc Liêu,90002,2,phường\n"
        "95,Bạc Liêu,951,Bạc Liêu,90003,Hiệp Thành,xã\n"
        "95,Bạc Liêu,952,Hồng Dân,90004,Ngan Dừa,thị trấn\n"
        "95,Bạc Liêu,952,Hồng Dân,90005,Ninh Quới,xã\n"
        "95,Bạc Liêu,952,Hồng Dân,90006,Ninh Hòa,xã\n"
        "95,Bạc Liêu,952,Hồng Dân,90007,Lộc Ninh,xã\n",
        encoding="utf-8",
    )
    (tmp_path / "vn_districts_2024.csv").write_text(
        "province_code,province_name,district_code,district_name,district_type\n"
        "95,Bạc Liêu,951,Bạc Liêu,thành phố\n"
        "95,Bạc Liêu,952,Hồng Dân,huyện\n",
        encoding="utf-8",
    )
    call_command(
        "provision", structure="2024", province=["Bạc Liêu"], data_dir=str(tmp_path), port=8000, no_progress=True,
        stdout=io.StringIO(),
    )  # fmt: skip


@pytest.fixture
def bac_lieu(db, tmp_path):
    provision_bac_lieu(tmp_path)
    w = types.SimpleNamespace()
    unit = lambda code: CommuneHomePage.objects.get(structure="2024", code=code)  # noqa: E731
    w.province = AreaPage.objects.get(structure="2024", level="province", code="95")
    w.city = AreaPage.objects.get(structure="2024", level="district", code="951")
    w.hong_dan = AreaPage.objects.get(structure="2024", level="district", code="952")
    w.p1, w.p2, w.hiep_thanh = unit("90001"), unit("90002"), unit("90003")
    w.ngan_dua, w.ninh_quoi, w.ninh_hoa, w.loc_ninh = unit("90004"), unit("90005"), unit("90006"), unit("90007")

    # 1.1, 1.2
    station(w.p1, "wired", [("Khóm 1", True, ()), ("Khóm 2", True, ())])
    cluster = board(w.p2, "Cụm loa khóm 3", width=None, height=None, kind="audio", heartbeats=[at(2026, 11, 30, 20)])
    station(w.p2, "ip", [("Khóm 3", True, (cluster,))], converted_on=datetime.date(2025, 3, 1))
    station(w.ninh_quoi, "fm", [("Ấp Ninh Thạnh", True, ()), ("Ấp Ninh Lợi", True, ())])
    station(w.ninh_hoa, "wired", [("Ấp Ninh Điền", True, ()), ("Ấp Cai Giảng", False, ())])

    # 1.3, 1.4: the plans' definition (site checks) and the stricter one (content in 30 days)
    check(w.p1, at(2026, 11, 28, 6), 200)
    check(w.p2, at(2026, 11, 29, 6), 200)
    check(w.p2, at(2026, 11, 30, 6), 500)
    check(w.hiep_thanh, at(2026, 11, 30, 12), 200)
    check(w.ngan_dua, at(2026, 11, 20, 6), 200)
    check(w.ninh_quoi, at(2026, 11, 30, 18), 200)
    check(w.ninh_hoa, at(2026, 11, 29, 18), 404)
    check(w.ninh_hoa, at(2026, 12, 1), 200)
    check(w.loc_ninh, at(2026, 11, 30, 0, 5), 200)
    content(w.p1, "Tin phường 1", at(2026, 11, 15, 9))
    content(w.ninh_hoa, "Tin Ninh Hòa", at(2026, 11, 20, 9))

    # 1.5, 1.6, 2.2
    board(w.p1, "Bảng phường 1", heartbeats=[at(2026, 11, 30, 12)])
    board(w.ngan_dua, "Bảng Ngan Dừa", heartbeats=[at(2026, 11, 29, 20)])
    board(w.hiep_thanh, "Bảng Hiệp Thành", heartbeats=[at(2026, 11, 30, 22)])
    board(w.city, "LED thành phố", kind="led", large=True, width=1920, height=1080, heartbeats=[at(2026, 11, 30, 23)])

    # 2.1
    CommunicationCentre.objects.create(
        owner=w.city,
        name="Trung tâm Văn hóa - Thể thao - Truyền thông thành phố Bạc Liêu",
        decision_number="1234/QĐ-UBND",
        decision_date=datetime.date(2020, 5, 1),
    )
    CommunicationCentre.objects.create(owner=w.hong_dan, name="Trung tâm truyền thông Hồng Dân", is_operating=False)

    # 3, departments, districts supplying
    push(w.hong_dan, "Lịch cắt điện", at(2026, 11, 10))
    w.health = Department.objects.create(area=w.province, name="Sở Y tế", code="so-y-te")
    w.farming = Department.objects.create(area=w.province, name="Sở Nông nghiệp và Môi trường", code="so-nn-mt")
    Department.objects.update(created_at=at(2026, 1, 5))  # registered before the period
    item = push(w.province, "Phòng chống sốt xuất huyết", at(2026, 11, 12))
    SourceItemPage.objects.filter(pk=item.pk).update(department=w.health)

    # The province's own targets for 2026.
    for code, value, comparison, applies_to in [
        ("1.4", 70, "gt", ""),
        ("2.2", 100, "gte", "do_thi"),
        ("2.2", 80, "gt", "huyen"),
        ("so-nganh", 100, "gte", ""),
    ]:
        IndicatorTarget.objects.create(
            code=code, year=2026, value=value, comparison=comparison, applies_to=applies_to, source="tinh",
            area=w.province,
        )  # fmt: skip
    return w


def verdicts(line):
    return {c.source: (c.value, c.year, c.met) for c in line.targets}


def test_each_numbered_indicator_against_the_hand_computed_figures(bac_lieu):
    w = bac_lieu
    result = numbered(w.province, NOVEMBER)
    got = {line.code: line.ratio for line in result.lines}
    assert got == {
        "1.1": Ratio(3, 7),
        "1.2": Ratio(1, 7),
        "1.3": Ratio(1, 3),
        "1.3-30": Ratio(1, 3),
        "1.4": Ratio(3, 4),
        "1.4-30": Ratio(1, 4),
        "1.5": Ratio(1, 3),
        "1.6": Ratio(1, 4),
        "2.1": Ratio(1, 2),
        "2.2": Ratio(1, 2),
        "2.2-do_thi": Ratio(1, 1),
        "2.2-huyen": Ratio(0, 1),
        "3": Ratio(1, 1),
        "so-nganh": Ratio(1, 2),
        "huyen-cung-cap": Ratio(1, 2),
    }
    assert result.year == 2026
    lines = {line.code: line for line in result.lines}
    # The ministry's 2025 targets stand in 2026; the province's own are its 2026 ones.
    assert verdicts(lines["1.1"]) == {"bo": (100.0, 2025, False)}
    assert verdicts(lines["1.2"]) == {"bo": (70.0, 2025, False)}
    assert verdicts(lines["1.4"]) == {"bo": (100.0, 2025, False), "tinh": (70.0, 2026, True)}
    assert verdicts(lines["1.4-30"]) == {"bo": (100.0, 2025, False), "tinh": (70.0, 2026, False)}
    assert verdicts(lines["1.6"]) == {"bo": (70.0, 2025, False)}
    assert verdicts(lines["2.2"]) == {"bo": (100.0, 2025, False)}
    assert verdicts(lines["2.2-do_thi"]) == {"tinh": (100.0, 2026, True)}
    assert verdicts(lines["2.2-huyen"]) == {"tinh": (80.0, 2026, False)}
    assert verdicts(lines["3"]) == {"bo": (100.0, 2025, True)}
    assert verdicts(lines["so-nganh"]) == {"tinh": (100.0, 2026, False)}
    assert [(d.name, ok) for d, ok in result.departments] == [
        ("Sở Nông nghiệp và Môi trường", False),
        ("Sở Y tế", True),
    ]
    assert result.supplying_districts == [("Thành phố Bạc Liêu", False), ("Huyện Hồng Dân", True)]


def test_per_district_per_type_and_per_district_type(bac_lieu):
    w = bac_lieu
    result = numbered(w.province, NOVEMBER)
    city, hong_dan = result.districts
    assert city.name == "Thành phố Bạc Liêu" and hong_dan.name == "Huyện Hồng Dân"
    assert (city.ratios["1.1"], city.ratios["1.3"], city.ratios["1.4"]) == (Ratio(2, 3), Ratio(1, 2), Ratio(1, 1))
    assert (city.ratios["2.1"], city.ratios["2.2"]) == (Ratio(1, 1), Ratio(1, 1))
    assert [c.met for c in city.checks["2.2"]] == [True]  # the province's target for thành phố, thị xã
    assert (hong_dan.ratios["1.4"], hong_dan.ratios["1.4-30"], hong_dan.ratios["1.5"]) == (
        Ratio(2, 3),
        Ratio(1, 3),
        Ratio(0, 1),
    )
    assert (hong_dan.ratios["2.1"], hong_dan.ratios["2.2"], hong_dan.ratios["huyen-cung-cap"]) == (
        Ratio(0, 1),
        Ratio(0, 1),
        Ratio(1, 1),
    )
    assert [(c.source, c.met) for c in hong_dan.checks["2.2"]] == [("tinh", False)]  # > 80 % of huyện
    xa, phuong = result.types
    assert (xa.name, xa.ratios["1.1"], xa.ratios["website"], xa.ratios["board"]) == (
        "Xã",
        Ratio(1, 4),
        Ratio(3, 4),
        Ratio(1, 4),
    )
    assert (phuong.ratios["1.1"], phuong.ratios["1.2"], phuong.ratios["website-30"]) == (
        Ratio(2, 3),
        Ratio(1, 3),
        Ratio(1, 3),
    )
    towns, rural = result.district_types
    assert (towns.ratios["2.1"], towns.ratios["2.2"], rural.ratios["2.2"]) == (Ratio(1, 1), Ratio(1, 1), Ratio(0, 1))


def test_a_district_report_and_what_does_not_apply_to_it(bac_lieu):
    w = bac_lieu
    result = numbered(w.hong_dan, NOVEMBER)
    got = {line.code: line.ratio for line in result.lines}
    assert (got["1.4"], got["2.1"], got["2.2"]) == (Ratio(2, 3), Ratio(0, 1), Ratio(0, 1))
    assert got["3"] == NOT_APPLICABLE and got["huyen-cung-cap"] == NOT_APPLICABLE
    assert got["so-nganh"] == Ratio(0, 0)  # the district has no department (phòng) registered
    # The province's targets apply inside it (here the split 2.2: Hồng Dân is a huyện).
    assert {c.source: c.met for c in next(x for x in result.lines if x.code == "2.2-huyen").targets} == {"tinh": False}


def test_the_two_level_structure_has_no_2_1_or_2_2(db, tmp_path):
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
    got = {line.code: line for line in numbered(province, NOVEMBER).lines}
    assert got["2.1"].ratio == NOT_APPLICABLE and got["2.2"].ratio == NOT_APPLICABLE
    assert [c.met for c in got["2.1"].targets] == [None]  # the target is shown, nothing judged
    assert got["1.3"].ratio == Ratio(0, 1) and got["1.4"].ratio == Ratio(0, 1)
    assert "2.2-huyen" not in got


def test_as_json_is_plain_data(bac_lieu):
    import json

    data = json.loads(json.dumps(as_json(bac_lieu.province, NOVEMBER)))
    by_code = {item["code"]: item for item in data["indicators"]}
    assert (by_code["1.4"]["count"], by_code["1.4"]["total"], by_code["1.4"]["rate"]) == (3, 4, 75.0)
    assert [(t["source"], t["year"], t["met"]) for t in by_code["1.4"]["targets"]] == [
        ("bo", 2025, False),
        ("tinh", 2026, True),
    ]
    assert data["area"]["code"] == "95" and data["period"]["key"] == "2026-11" and data["year"] == 2026
    assert [d["name"] for d in data["districts"]] == ["Thành phố Bạc Liêu", "Huyện Hồng Dân"]
    assert data["districts"][1]["indicators"]["2.1"]["count"] == 0


def test_the_page_and_the_numbered_csv(client, bac_lieu):
    w = bac_lieu
    user = get_user_model().objects.create_user("kiemduyet_bac_lieu", password=PASSWORD)
    user.groups.add(w.province.moderators_group)
    client.force_login(user)
    response = client.get(reverse("tincoso_indicators"), {"don_vi": w.province.pk, "ky": "2026-11"})
    assert response.status_code == 200
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    rows = {tr["data-indicator"]: tr for tr in soup.select("tr[data-indicator]")}
    cells = [td.get_text(" ", strip=True) for td in rows["1.4"].find_all(["th", "td"])]
    assert cells[:5] == ["1.4", "Xã có trang thông tin điện tử (trang tồn tại và trả lời)", "3", "4", "75,0%"]
    assert cells[5:7] == ["≥ 100 % (năm 2025) Chưa đạt", "> 70 % (năm 2026) Đạt"]
    cells = [td.get_text(" ", strip=True) for td in rows["2.2-huyen"].find_all(["th", "td"])]
    assert cells[2:7] == ["0", "1", "0,0%", "–", "> 80 % (năm 2026) Chưa đạt"]
    chart = soup.select_one("svg.indicator-target-chart")
    assert "1.4: 75,0% (chỉ tiêu bộ ≥ 100 % chưa đạt, chỉ tiêu tỉnh > 70 % đạt)" in chart.desc.get_text()
    assert len(chart.select("g.target-bar")) == 15
    assert "Sở Y tế: đã cung cấp" in soup.get_text(" ", strip=True)

    data = client.get(reverse("tincoso_indicators_numbered_csv"), {"don_vi": w.province.pk, "ky": "2026-11"})
    assert data.status_code == 200 and data.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.DictReader(io.StringIO(data.content.decode("utf-8-sig"))))
    mine = {(row["Mã chỉ tiêu"], row["Đơn vị"]): row for row in lines}
    row = mine[("1.4", "Tỉnh Bạc Liêu")]
    assert (row["Đạt (số)"], row["Tổng số"], row["Tỷ lệ (%)"]) == ("3", "4", "75.0")
    assert (row["Chỉ tiêu của Bộ (%)"], row["Đạt chỉ tiêu của Bộ"]) == ("100", "Chưa đạt")
    assert (row["Chỉ tiêu của tỉnh (%)"], row["Đạt chỉ tiêu của tỉnh"]) == (">70", "Đạt")
    assert mine[("2.1", "Huyện Hồng Dân")]["Đạt (số)"] == "0"


def test_a_district_page_shows_each_commune_site_check(client, bac_lieu):
    w = bac_lieu
    user = get_user_model().objects.create_user("bientap_hong_dan", password=PASSWORD)
    user.groups.add(w.hong_dan.editors_group)
    client.force_login(user)
    response = client.get(reverse("tincoso_indicators"), {"ky": "2026-11"})
    table = response.context["main_table"]
    column = table["headings"].index("Trang trả lời (lần kiểm tra gần nhất)")
    got = {row["name"]: row["cells"][column] for row in table["rows"]}
    assert got == {
        "Thị trấn Ngan Dừa": "–",  # its only check (20/11) is older than 7 days
        "Xã Lộc Ninh": "Có · 30/11 00:05",
        "Xã Ninh Hòa": "Không · mã 404 · 29/11 18:00",
        "Xã Ninh Quới": "Có · 30/11 18:00",
    }


def test_the_numbered_report_costs_a_fixed_number_of_queries(bac_lieu, django_assert_max_num_queries):
    from indicators.compute import compute

    report = compute(bac_lieu.province, NOVEMBER, trend=False)
    with django_assert_max_num_queries(12):
        numbered(bac_lieu.province, NOVEMBER, report=report)


def test_portal_home_is_where_the_source_section_lives(bac_lieu):
    """Indicator 3 needs the live section: unpublished, the province has no source system."""
    from sources.models import SourceIndexPage

    portal = PortalHomePage.objects.child_of(bac_lieu.province).get()
    SourceIndexPage.objects.child_of(portal).update(live=False)
    got = {line.code: line.ratio for line in numbered(bac_lieu.province, NOVEMBER).lines}
    assert got["3"] == Ratio(0, 1)
