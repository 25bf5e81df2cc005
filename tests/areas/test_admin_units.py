"""Reading the shipped unit list: counts, slugs, hostnames, look-ups and bad rows."""

import csv
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from areas.admin_units import AdminUnitsError, load_country

DATA = Path(settings.BASE_DIR) / "data"


@pytest.fixture(scope="module")
def country_2024():
    return load_country(DATA, "2024")


@pytest.fixture(scope="module")
def country_2025():
    return load_country(DATA, "2025")


def _csv_rows(name):
    with (DATA / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_shipped_copy_keeps_its_licence_and_readme():
    assert (DATA / "LICENSE-vietnamese-provinces-database.txt").read_text().startswith("MIT License")
    assert "thanglequoc/vietnamese-provinces-database" in (DATA / "README.md").read_text()


def test_whole_country_counts_match_the_files(country_2024, country_2025):
    rows24, rows25 = _csv_rows("vn_admin_units_2024.csv"), _csv_rows("vn_admin_units_2025.csv")
    assert len(country_2024.provinces) == len({r["province_code"] for r in rows24}) == 63
    assert sum(len(p.communes()) for p in country_2024.provinces) == len(rows24) == 10035
    assert sum(len(p.children) for p in country_2024.provinces) == len(_csv_rows("vn_districts_2024.csv")) == 696
    assert len(country_2025.provinces) == 34
    assert sum(len(p.communes()) for p in country_2025.provinces) == len(rows25) == 3321
    # 2025: no districts, communes sit directly in the province.
    assert all(child.level == "commune" for p in country_2025.provinces for child in p.children)


@pytest.mark.parametrize("structure", ["2024", "2025"])
def test_every_hostname_in_the_country_is_unique(structure, country_2024, country_2025):
    country = country_2024 if structure == "2024" else country_2025
    units = [u for p in country.provinces for u in _walk(p)]
    hostnames = [u.hostname("localhost") for u in units]
    assert len(hostnames) == len(set(hostnames))
    for host in hostnames:
        assert all(0 < len(label) <= 63 for label in host.split(".")), host
        assert host.isascii() and host == host.lower(), host


def _walk(unit):
    yield unit
    for child in unit.children:
        yield from _walk(child)


def test_tricky_names_in_tra_vinh(country_2024):
    tv = country_2024.find_province("Trà Vinh")
    hosts = {(u.full_name, u.parent_code): u.hostname("localhost") for u in _walk(tv)}
    assert tv.hostname("localhost") == "tra-vinh.localhost"
    assert hosts[("Xã An Trường", "844")] == "an-truong.cang-long.tra-vinh.localhost"
    # đ folds to d
    assert hosts[("Xã Đông Hải", "850")] == "dong-hai.huyen-duyen-hai.tra-vinh.localhost"
    # Huyện Duyên Hải and Thị xã Duyên Hải share a name: the type tells them apart.
    assert hosts[("Huyện Duyên Hải", "84")] == "huyen-duyen-hai.tra-vinh.localhost"
    assert hosts[("Thị xã Duyên Hải", "84")] == "thi-xa-duyen-hai.tra-vinh.localhost"
    # Numeric wards in several districts.
    assert hosts[("Phường 1", "842")] == "phuong-1.tra-vinh.tra-vinh.localhost"
    assert hosts[("Phường 1", "851")] == "phuong-1.thi-xa-duyen-hai.tra-vinh.localhost"


def test_hoa_and_hoa_fold_to_the_same_slug(country_2024):
    units = [u for p in country_2024.provinces for u in p.communes()]
    hoa_grave = [u for u in units if "Hòa" in u.name]
    hoa_a_grave = [u for u in units if "Hoà" in u.name]
    assert hoa_grave and hoa_a_grave
    assert all("hoa" in u.slug for u in hoa_grave + hoa_a_grave)


def test_same_name_same_district_gets_type_then_code(country_2024):
    # Gia Lâm (Hà Nội) has both Thị trấn Yên Viên and Xã Yên Viên.
    gia_lam = next(d for d in country_2024.find_province("Hà Nội").children if d.name == "Gia Lâm")
    slugs = {u.full_name: u.slug for u in gia_lam.children if u.name == "Yên Viên"}
    assert slugs == {"Thị trấn Yên Viên": "thi-tran-yen-vien", "Xã Yên Viên": "xa-yen-vien"}


@pytest.mark.parametrize(
    "query", ["Trà Vinh", "tra vinh", "TRA VINH", "Tỉnh Trà Vinh", "tinh tra vinh", "84", "Tra\u0300 Vinh"]
)
def test_find_province_with_or_without_diacritics(country_2024, query):
    assert country_2024.find_province(query).code == "84"


def test_closest_provinces_for_a_typo(country_2024):
    assert country_2024.find_province("tra vin") is None
    assert country_2024.closest_provinces("tra vin")[0].name == "Trà Vinh"


def _copy_data(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def _rewrite_line(path, line_no, new_text):
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[line_no - 1] = new_text
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize(
    "bad_row, message",
    [
        ("84,Trà Vinh,844,Càng Long,2924X,An Trường,xã", "mã commune '2924X'"),
        ("84,Trà Vinh,844,Càng Long,29242,An Trường", "cần 7 cột, có 6"),
        ("84,Trà Vinh,844,Càng Long,29242,An Trường,ấp", "loại xã 'ấp'"),
        ("84,Trà Vinh,844,Càng Long,29242,,xã", "tên xã ''"),
        ("84,Trà Vinh,844,Càng Long Mới,29242,An Trường,xã", "là 'Càng Long Mới' (thuộc 84)"),
    ],
)
def test_malformed_row_names_file_and_line(tmp_path, bad_row, message):
    data = _copy_data(tmp_path)
    path = data / "vn_admin_units_2024.csv"
    line_no = next(i for i, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if ",29242," in line)
    _rewrite_line(path, line_no, bad_row)
    with pytest.raises(AdminUnitsError) as exc:
        load_country(data, "2024")
    # The bad line is named: as the place of the error, or (for a name that contradicts an
    # earlier row) as the other line of the contradiction.
    assert f"vn_admin_units_2024.csv:{line_no}:" in str(exc.value) or f"dòng {line_no} " in str(exc.value)
    assert message in str(exc.value)


def test_wrong_header_and_missing_file(tmp_path):
    data = _copy_data(tmp_path)
    _rewrite_line(data / "vn_admin_units_2025.csv", 1, "code,name")
    with pytest.raises(AdminUnitsError, match=r"vn_admin_units_2025.csv:1: tiêu đề cột"):
        load_country(data, "2025")
    (data / "vn_districts_2024.csv").unlink()
    with pytest.raises(AdminUnitsError, match="không tìm thấy tệp"):
        load_country(data, "2024")
