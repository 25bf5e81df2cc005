"""The ministry's indicators 1.1 (the commune's loudspeakers work and reach every hamlet) and 1.2
(converted to IP loudspeakers, "ứng dụng CNTT-VT"), from the station register and the clusters'
presence, against a small province made for them; the figures are added up by hand below and
read as a user reads them: the dashboard page, its CSV and its PDF.

Tỉnh Sóc Trăng (2024 structure, provisioned from a copy of the data), two districts, 7 communes:

  Huyện Kế Sách (3)
    Thị trấn Kế Sách   phường/thị trấn  wired, Khóm 1 and Khóm 2 reached           1.1 yes  1.2 no
    Xã Xuân Hòa        xã               FM, Ấp Xuân Hòa B not reached              1.1 no   1.2 no
    Xã Phong Nẫm       xã               no station                                 1.1 no   1.2 no
  Huyện Mỹ Tú (4)
    Xã Long Hưng       xã               IP since 10/06/2025 (last year); its central
                                        cluster seen an hour ago serves both hamlets  1.1 yes  1.2 yes
    Thị trấn Huỳnh     phường/thị trấn  IP since 02/12/2026 (this month); its cluster
    Hữu Nghĩa                           last seen 3 days ago, an inactive one 10 min   1.1 no   1.2 yes
    Xã Hưng Phú        xã               wired, every hamlet reached, not working      1.1 no   1.2 no
    Xã Mỹ Hương        xã               FM, no hamlet registered                      1.1 no   1.2 no

Now is 05/12/2026 12:00 (conftest's clock); December 2026 is the current period, so "as of" is now.

  1.1  Kế Sách 1/3 (33,3%)  Mỹ Tú 1/4 (25,0%)  province 2/7 (28,6%)  xã 1/5 (20,0%)  p/tt 1/2 (50,0%)
  1.2  Kế Sách 0/3 (0,0%)   Mỹ Tú 2/4 (50,0%)  province 2/7 (28,6%)  xã 1/5 (20,0%)  p/tt 1/2 (50,0%)

Over time (weekly points of December, 19/09 … 28/11, 05/12): Long Hưng's cluster was also seen on
27/11 at 23:00, so at 28/11 12:00 it is seen (within 24 h) and at 21/11 not; Huỳnh Hữu Nghĩa was
not yet IP before 02/12, so its register's declaration (all hamlets reached) counts then:
  1.1  28/11: Kế Sách, Long Hưng, Huỳnh Hữu Nghĩa → 3/7; 21/11 and before: Kế Sách, Huỳnh Hữu Nghĩa → 2/7
  1.2  28/11 and before: Long Hưng → 1/7
November 2026 (T = 01/12 00:00): 1.1 Kế Sách and Huỳnh Hữu Nghĩa (Long Hưng's cluster last seen
27/11 23:00, more than 24 h before T) → 2/7; 1.2 Long Hưng → 1/7.
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
from pypdf import PdfReader

from areas.models import AreaPage, CommuneHomePage
from core.periods import Period
from indicators.compute import Ratio, compute
from station.models import Hamlet, Station

from .conftest import NOVEMBER, NOW, at, board

pytestmark = pytest.mark.django_db
PASSWORD = "x-Strong-pass-123"
DECEMBER = Period.month(2026, 12)
HOUR = datetime.timedelta(hours=1)


def station(owner, technology, hamlets, converted_on=None, working=True):
    made = Station.objects.create(owner=owner, technology=technology, converted_on=converted_on, working=working)
    for order, (kind, name, reached, clusters) in enumerate(hamlets):
        hamlet = Hamlet.objects.create(station=made, kind=kind, name=name, reached=reached, sort_order=order)
        hamlet.clusters.set(clusters)
        hamlet.clusters.commit()  # a ParentalManyToManyField: written on commit
    return made


def cluster(owner, name, heartbeats=(), **fields):
    return board(owner, name, width=None, height=None, kind="audio", heartbeats=heartbeats, **fields)


@pytest.fixture
def soc_trang(db, tmp_path):
    (tmp_path / "vn_admin_units_2024.csv").write_text(
        "province_code,province_name,district_code,district_name,commune_code,commune_name,commune_type\n"
        "94,Sóc Trăng,943,Kế Sách,31528,Kế Sách,thị trấn\n"
        "94,Sóc Trăng,943,Kế Sách,31534,Xuân Hòa,xã\n"
        "94,Sóc Trăng,943,Kế Sách,31537,Phong Nẫm,xã\n"
        "94,Sóc Trăng,944,Mỹ Tú,31567,Huỳnh Hữu Nghĩa,thị trấn\n"
        "94,Sóc Trăng,944,Mỹ Tú,31579,Long Hưng,xã\n"
        "94,Sóc Trăng,944,Mỹ Tú,31588,Hưng Phú,xã\n"
        "94,Sóc Trăng,944,Mỹ Tú,31591,Mỹ Hương,xã\n",
        encoding="utf-8",
    )
    (tmp_path / "vn_districts_2024.csv").write_text(
        "province_code,province_name,district_code,district_name,district_type\n"
        "94,Sóc Trăng,943,Kế Sách,huyện\n"
        "94,Sóc Trăng,944,Mỹ Tú,huyện\n",
        encoding="utf-8",
    )
    call_command(
        "provision", structure="2024", province=["Sóc Trăng"], data_dir=str(tmp_path), no_progress=True,
        stdout=io.StringIO(),
    )  # fmt: skip
    w = types.SimpleNamespace()
    unit = lambda code: CommuneHomePage.objects.get(structure="2024", code=code)  # noqa: E731
    w.province = AreaPage.objects.get(structure="2024", level="province", code="94")
    w.ke_sach = AreaPage.objects.get(structure="2024", level="district", code="943")
    w.my_tu = AreaPage.objects.get(structure="2024", level="district", code="944")
    w.tt_ke_sach, w.xuan_hoa, w.phong_nam = unit("31528"), unit("31534"), unit("31537")
    w.huynh_huu_nghia, w.long_hung, w.hung_phu, w.my_huong = unit("31567"), unit("31579"), unit("31588"), unit("31591")

    station(w.tt_ke_sach, "wired", [("khom", "1", True, ()), ("khom", "2", True, ())])
    station(w.xuan_hoa, "fm", [("ap", "Xuân Hòa A", True, ()), ("ap", "Xuân Hòa B", False, ())])
    centre = cluster(w.long_hung, "Cụm loa trung tâm xã", heartbeats=[at(2026, 11, 27, 23), NOW - HOUR])
    long_binh = cluster(w.long_hung, "Cụm loa ấp Long Bình", heartbeats=[NOW - datetime.timedelta(days=3)])
    station(
        w.long_hung,
        "ip",
        [("ap", "Long Hưng", True, (centre,)), ("ap", "Long Bình", True, (long_binh, centre))],
        converted_on=datetime.date(2025, 6, 10),
    )
    silent = cluster(w.huynh_huu_nghia, "Cụm loa khóm 1", heartbeats=[NOW - datetime.timedelta(days=3)])
    retired = cluster(
        w.huynh_huu_nghia, "Cụm loa cũ", heartbeats=[NOW - datetime.timedelta(minutes=10)], is_active=False
    )
    station(
        w.huynh_huu_nghia,
        "ip",
        [("khom", "1", True, (silent,)), ("khom", "2", True, (retired,))],
        converted_on=datetime.date(2026, 12, 2),
    )
    station(w.hung_phu, "wired", [("ap", "Hưng Phú A", True, ())], working=False)
    station(w.my_huong, "fm", [])
    return w


def r(count, total):
    return Ratio(count, total)


# --- The figures ------------------------------------------------------------------------------------


def test_province_district_and_type_figures(soc_trang):
    w = soc_trang
    report = compute(w.province, DECEMBER, now=NOW)
    assert report.is_current and report.as_of == NOW
    a = report.total.as_of
    assert a.loudspeakers == r(2, 7) and a.ip_stations == r(2, 7)
    assert a.loudspeakers_by_type == {"xa": r(1, 5), "phuong_thi_tran": r(1, 2)}
    assert a.ip_stations_by_type == {"xa": r(1, 5), "phuong_thi_tran": r(1, 2)}
    districts = {row.code: row.as_of for row in report.districts}
    assert (districts["943"].loudspeakers, districts["943"].ip_stations) == (r(1, 3), r(0, 3))
    assert (districts["944"].loudspeakers, districts["944"].ip_stations) == (r(1, 4), r(2, 4))
    xa, pt = report.types
    assert (xa.as_of.loudspeakers, xa.as_of.ip_stations) == (r(1, 5), r(1, 5))
    assert (pt.as_of.loudspeakers, pt.as_of.ip_stations) == (r(1, 2), r(1, 2))

    communes = {row.code: row for row in report.communes}
    long_hung, hhn = communes[w.long_hung.code], communes[w.huynh_huu_nghia.code]
    assert (long_hung.station.hamlets, long_hung.station.reached, long_hung.station.ip) == (2, 2, True)
    # Its only active cluster was last seen 3 days ago; the inactive one seen 10 minutes ago does not count.
    assert (hhn.station.hamlets, hhn.station.reached, hhn.station.ip) == (2, 0, True)
    assert communes[w.xuan_hoa.code].station.reached == 1
    assert communes[w.phong_nam.code].station is None
    assert communes[w.hung_phu.code].as_of.loudspeakers == r(0, 1)  # every hamlet reached, but not working
    assert communes[w.my_huong.code].as_of.loudspeakers == r(0, 1)  # no hamlet registered


def test_over_time_and_at_a_past_moment(soc_trang):
    report = compute(soc_trang.province, DECEMBER, now=NOW)
    days = [f"{p.moment:%d/%m}" for p in report.trend]
    assert (days[0], days[-2], days[-1]) == ("19/09", "28/11", "05/12")
    points = dict(zip(days, report.trend))
    shown = ("19/09", "21/11", "28/11", "05/12")
    assert [points[d].loudspeakers for d in shown] == [r(2, 7), r(2, 7), r(3, 7), r(2, 7)]
    assert [points[d].ip_stations for d in shown] == [r(1, 7), r(1, 7), r(1, 7), r(2, 7)]
    assert points["28/11"].loudspeakers_by_type == {"xa": r(1, 5), "phuong_thi_tran": r(2, 2)}

    november = compute(soc_trang.province, NOVEMBER, now=NOW).total.as_of
    assert (november.loudspeakers, november.ip_stations) == (r(2, 7), r(1, 7))


# --- As a user reads them --------------------------------------------------------------------------


@pytest.fixture
def moderator(soc_trang):
    user = get_user_model().objects.create_user("kiemduyet_soc_trang", password=PASSWORD)
    user.groups.add(soc_trang.province.moderators_group)
    return user


def cells_of(row):
    return [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]


def table_after(soup, heading, level="h2"):
    title = soup.find(lambda tag: tag.name == level and tag.get_text(strip=True) == heading)
    return title.find_next("table")


def test_the_dashboard_page(client, soc_trang, moderator):
    client.force_login(moderator)
    response = client.get(reverse("tincoso_indicators"))  # the province, this month (as of now)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    summary = {row["data-indicator"]: cells_of(row) for row in soup.select("tr[data-indicator]")}
    # STT, label, Đạt, Tổng số, Tỷ lệ, the ministry's target, the province's, how it is counted.
    # December 2026: no target for 2026, so the ministry's 2025 ones stand (100 % and 70 %).
    assert summary["1.1"][0] == "1.1" and summary["1.1"][2:5] == ["2", "7", "28,6%"]
    assert summary["1.1"][1].startswith("Xã, phường, thị trấn có hệ thống loa truyền thanh hoạt động tới mọi thôn")
    assert summary["1.1"][5] == "≥ 100 % (năm 2025) Chưa đạt" and summary["1.1"][6] == "–"
    assert summary["1.2"][2:5] == ["2", "7", "28,6%"]
    assert summary["1.2"][5] == "≥ 70 % (năm 2025) Chưa đạt"
    by_type = table_after(soup, "Các chỉ tiêu theo loại đơn vị cấp xã", "h3")
    rows = {cells_of(tr)[0]: cells_of(tr) for tr in by_type.tbody.find_all("tr")}
    assert rows["Xã"][1:3] == ["1/5 (20,0%) Chưa đạt", "1/5 (20,0%) Chưa đạt"]
    assert rows["Phường, thị trấn"][1:3] == ["1/2 (50,0%) Chưa đạt", "1/2 (50,0%) Chưa đạt"]
    assert "Chỉ tiêu 1.1: đơn vị cấp xã có đài truyền thanh đang hoạt động" in soup.select_one("#loudspeaker-help").text

    districts = table_after(soup, "Số liệu chi tiết theo huyện")
    headings = cells_of(districts.thead.tr)
    col_11, col_12 = headings.index("Loa phủ khắp thôn, ấp (1.1)"), headings.index("Loa ứng dụng CNTT-VT (1.2)")
    rows = {cells_of(tr)[0]: cells_of(tr) for tr in districts.tbody.find_all("tr")}
    assert (rows["Huyện Kế Sách"][col_11], rows["Huyện Kế Sách"][col_12]) == ("1/3 (33,3%)", "0/3 (0,0%)")
    assert (rows["Huyện Mỹ Tú"][col_11], rows["Huyện Mỹ Tú"][col_12]) == ("1/4 (25,0%)", "2/4 (50,0%)")
    total = cells_of(districts.tfoot.tr)
    assert (total[col_11], total[col_12]) == ("2/7 (28,6%)", "2/7 (28,6%)")

    types = table_after(soup, "Số liệu chi tiết theo loại đơn vị")
    headings = cells_of(types.thead.tr)
    col_11, col_12 = headings.index("Loa phủ khắp thôn, ấp (1.1)"), headings.index("Loa ứng dụng CNTT-VT (1.2)")
    rows = {cells_of(tr)[0]: cells_of(tr) for tr in types.tbody.find_all("tr")}
    assert (rows["Xã"][col_11], rows["Xã"][col_12]) == ("1/5 (20,0%)", "1/5 (20,0%)")
    assert (rows["Phường, thị trấn"][col_11], rows["Phường, thị trấn"][col_12]) == ("1/2 (50,0%)", "1/2 (50,0%)")

    # The trend charts of 1.1 and 1.2, with what their history is made of.
    charts = {figure.figcaption.get_text(strip=True): figure for figure in soup.select("figure.indicators-chart")}
    loudspeakers = charts["Tỷ lệ đơn vị cấp xã có loa truyền thanh hoạt động, phủ khắp thôn, ấp (chỉ tiêu 1.1)"]
    ip = charts["Tỷ lệ đơn vị cấp xã có loa ứng dụng CNTT-VT (chỉ tiêu 1.2)"]
    assert "Chung: 28,6% ngày 19/09, 28,6% ngày 05/12" in loudspeakers.desc.text
    assert "Sổ đài truyền thanh không lưu lịch sử" in loudspeakers.get_text()
    assert "Chung: 14,3% ngày 19/09, 28,6% ngày 05/12" in ip.desc.text
    assert "Xã: 20,0% ngày 19/09, 20,0% ngày 05/12" in ip.desc.text
    assert ip.find("title", string="Chung, 28/11: 1/7 (14,3%)") is not None


def test_the_table_per_commune_of_a_district(client, soc_trang, moderator):
    client.force_login(moderator)
    response = client.get(reverse("tincoso_indicators"), {"don_vi": soc_trang.my_tu.pk})
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    table = table_after(soup, "Số liệu chi tiết theo xã, phường, thị trấn")
    headings = ["Xã, phường, thị trấn", *cells_of(table.thead.tr)[1:]]
    rows = {cells_of(tr)[0]: dict(zip(headings, cells_of(tr))) for tr in table.tbody.find_all("tr")}
    columns = ("Đài truyền thanh", "Thôn, ấp có loa", "Loa phủ khắp thôn, ấp (1.1)", "Loa ứng dụng CNTT-VT (1.2)")
    expected = {
        "Xã Long Hưng": ("CNTT-VT từ 10/06/2025", "2/2", "Có", "Có"),
        "Thị trấn Huỳnh Hữu Nghĩa": ("CNTT-VT từ 02/12/2026", "0/2", "Không", "Có"),
        "Xã Hưng Phú": ("Hữu tuyến · ngừng hoạt động", "1/1", "Không", "Không"),
        "Xã Mỹ Hương": ("Vô tuyến FM", "–", "Không", "Không"),
    }
    for name, values in expected.items():
        assert tuple(rows[name][c] for c in columns) == values, name


def test_the_csv_and_the_pdf(client, soc_trang, moderator):
    client.force_login(moderator)
    response = client.get(reverse("tincoso_indicators_csv"))
    rows = {row["Mã"]: row for row in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))}
    total, ke_sach, my_tu = rows["94"], rows["943"], rows["944"]
    assert (total["Có loa phủ khắp thôn, ấp (1.1)"], total["Tỷ lệ có loa phủ khắp thôn, ấp (1.1) (%)"]) == ("2", "28.6")
    assert (total["Có loa ứng dụng CNTT-VT (1.2)"], total["Tỷ lệ có loa ứng dụng CNTT-VT (1.2) (%)"]) == ("2", "28.6")
    assert (total["Xã có loa phủ khắp thôn, ấp"], total["Tỷ lệ xã có loa phủ khắp thôn, ấp (%)"]) == ("1", "20.0")
    assert total["Tỷ lệ phường, thị trấn có loa ứng dụng CNTT-VT (%)"] == "50.0"
    assert (
        ke_sach["Tỷ lệ có loa phủ khắp thôn, ấp (1.1) (%)"],
        ke_sach["Tỷ lệ có loa ứng dụng CNTT-VT (1.2) (%)"],
    ) == (
        "33.3",
        "0.0",
    )
    assert (my_tu["Tỷ lệ có loa phủ khắp thôn, ấp (1.1) (%)"], my_tu["Tỷ lệ có loa ứng dụng CNTT-VT (1.2) (%)"]) == (
        "25.0",
        "50.0",
    )

    pdf = client.get(reverse("tincoso_indicators_pdf"))
    assert pdf.status_code == 200
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).split())
    for words in (
        "≥ 100 % (năm 2025)",
        "≥ 70 % (năm 2025)",
        "1/3 (33,3%)",
        "2/4 (50,0%)",
        "2/7 (28,6%)",
        "1/5 (20,0%)",
        "CNTT-VT từ 10/06/2025",  # the annex per commune
        "Chung: 14,3% ngày 19/09, 28,6% ngày 05/12",
        "Sổ đài truyền thanh không lưu lịch sử",
    ):
        assert words in text, words
