"""Reading the official list of administrative units (data/vn_admin_units_*.csv).

Pure: files in, a tree of Unit records out, with slugs and hostnames decided here. Every row
is checked before anything is written; a bad row is reported with its file and line.
"""

import csv
import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from core.text import fold_key, slugify_vi

STRUCTURES = ("2024", "2025")

COMMUNE_TYPES = {
    "2024": {"xã": "xa", "phường": "phuong", "thị trấn": "thi_tran"},
    "2025": {"xã": "xa", "phường": "phuong", "đặc khu": "dac_khu"},
}
DISTRICT_TYPES = {"huyện": "huyen", "quận": "quan", "thị xã": "thi_xa", "thành phố": "thanh_pho"}
# Centrally governed cities (thành phố trực thuộc trung ương); every other province is a tỉnh.
# Huế became one on 1 Jan 2025 (Nghị quyết 1314/NQ-UBTVQH15), before both snapshots.
CITY_CODES = {"01", "31", "46", "48", "79", "92"}
TYPE_WORDS = {
    "tinh": "Tỉnh",
    "thanh_pho": "Thành phố",
    "huyen": "Huyện",
    "quan": "Quận",
    "thi_xa": "Thị xã",
    "xa": "Xã",
    "phuong": "Phường",
    "thi_tran": "Thị trấn",
    "dac_khu": "Đặc khu",
}
# Slugs that section or portal pages use among the children of an area.
RESERVED_SLUGS = {"cong-thong-tin"}
PORTAL_SLUG = "cong-thong-tin"

_CODE_LENGTH = {"province": 2, "district": 3, "commune": 5}


class AdminUnitsError(Exception):
    """A problem with the data files; the message names the file and line."""


@dataclass
class Unit:
    level: str  # province | district | commune
    code: str
    name: str  # short name as in the data: 'Trà Vinh', '1'
    unit_type: str  # UnitType value
    parent_code: str | None = None
    slug: str = ""
    hostname_labels: tuple = ()  # e.g. ('an-truong', 'cang-long', 'tra-vinh')
    children: list = field(default_factory=list)

    @property
    def full_name(self):
        return f"{TYPE_WORDS[self.unit_type]} {self.name}"

    def hostname(self, base_domain):
        return ".".join((*self.hostname_labels, base_domain))

    def communes(self):
        """All communes under this unit (itself if it is one)."""
        if self.level == "commune":
            return [self]
        return [c for child in self.children for c in child.communes()]


@dataclass
class Country:
    structure: str
    provinces: list  # of Unit (level province), children filled

    def find_province(self, query):
        """Find a province by code or name, with or without diacritics or its type word."""
        q = query.strip()
        if q.isdigit():
            for p in self.provinces:
                if p.code == q.zfill(2):
                    return p
        key = _strip_type_word(fold_key(q))
        for p in self.provinces:
            if fold_key(p.name) == key:
                return p
        return None

    def closest_provinces(self, query, n=3):
        names = {fold_key(p.name): p for p in self.provinces}
        matches = difflib.get_close_matches(_strip_type_word(fold_key(query)), list(names), n=n, cutoff=0.5)
        return [names[m] for m in matches]


def _strip_type_word(key):
    return re.sub(r"^(tinh|thanh pho|tp\.?)\s+", "", key)


def data_files(data_dir, structure):
    data_dir = Path(data_dir)
    if structure == "2024":
        return data_dir / "vn_admin_units_2024.csv", data_dir / "vn_districts_2024.csv"
    return data_dir / "vn_admin_units_2025.csv", None


def _rows(path, expected_header):
    if not path.exists():
        raise AdminUnitsError(f"{path}: không tìm thấy tệp dữ liệu")
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header != expected_header:
                raise AdminUnitsError(f"{path}:1: tiêu đề cột không đúng: {header!r}; cần {','.join(expected_header)}")
            for row in reader:
                if not row or all(not cell.strip() for cell in row):
                    continue
                yield reader.line_num, row
    except UnicodeDecodeError as exc:
        raise AdminUnitsError(f"{path}: không phải UTF-8 ({exc.reason} tại byte {exc.start})") from None


def _check_code(path, line, value, level):
    if not (value.isdigit() and len(value) == _CODE_LENGTH[level]):
        raise AdminUnitsError(f"{path}:{line}: mã {level} {value!r} không hợp lệ (cần {_CODE_LENGTH[level]} chữ số)")


def _check_name(path, line, value, what):
    if not value.strip() or len(value) > 100 or any(ord(ch) < 32 for ch in value):
        raise AdminUnitsError(f"{path}:{line}: tên {what} {value!r} không hợp lệ")
    if not slugify_vi(value):
        raise AdminUnitsError(f"{path}:{line}: tên {what} {value!r} không tạo được địa chỉ web")


class _Registry:
    """Collects units by code and refuses a code that comes back with another name."""

    def __init__(self, path):
        self.path = path
        self.units = {}
        self.first_line = {}

    def get_or_add(self, line, unit):
        key = (unit.level, unit.code)
        existing = self.units.get(key)
        if existing is None:
            self.units[key] = unit
            self.first_line[key] = line
            return unit
        if (existing.name, existing.parent_code) != (unit.name, unit.parent_code):
            raise AdminUnitsError(
                f"{self.path}:{line}: mã {unit.code} ở đây là {unit.name!r} (thuộc {unit.parent_code}), "
                f"nhưng ở dòng {self.first_line[key]} là {existing.name!r} (thuộc {existing.parent_code})"
            )
        return existing


def load_country(data_dir, structure):
    """Read and check a whole structure; raises AdminUnitsError on the first bad row."""
    if structure not in STRUCTURES:
        raise AdminUnitsError(f"cấu trúc {structure!r} không có; chọn một trong {', '.join(STRUCTURES)}")
    units_path, districts_path = data_files(data_dir, structure)
    registry = _Registry(units_path)
    commune_types = COMMUNE_TYPES[structure]

    def province_unit(line, code, name):
        _check_code(units_path, line, code, "province")
        _check_name(units_path, line, name, "tỉnh")
        return registry.get_or_add(line, Unit("province", code, name, "thanh_pho" if code in CITY_CODES else "tinh"))

    if structure == "2024":
        header = [
            "province_code",
            "province_name",
            "district_code",
            "district_name",
            "commune_code",
            "commune_name",
            "commune_type",
        ]
        district_types = _read_district_types(districts_path)
        for line, row in _rows(units_path, header):
            if len(row) != len(header):
                raise AdminUnitsError(f"{units_path}:{line}: cần {len(header)} cột, có {len(row)}")
            p_code, p_name, d_code, d_name, c_code, c_name, c_type = (cell.strip() for cell in row)
            province_unit(line, p_code, p_name)
            _check_code(units_path, line, d_code, "district")
            _check_name(units_path, line, d_name, "huyện")
            d_type = district_types.get(d_code, (None, None))[1]
            if d_type is None:
                raise AdminUnitsError(f"{units_path}:{line}: huyện {d_code} không có trong {districts_path.name}")
            registry.get_or_add(line, Unit("district", d_code, d_name, d_type, p_code))
            _add_commune(registry, units_path, line, c_code, c_name, c_type, commune_types, d_code)
        # Districts with no commune rows (island districts) still get their portal.
        for d_code, (p_code, d_type, d_name, _p_name, line) in district_types.items():
            if ("district", d_code) not in registry.units:
                if ("province", p_code) in registry.units:
                    registry.get_or_add(line, Unit("district", d_code, d_name, d_type, p_code))
    else:
        header = ["province_code", "province_name", "commune_code", "commune_name", "commune_type"]
        for line, row in _rows(units_path, header):
            if len(row) != len(header):
                raise AdminUnitsError(f"{units_path}:{line}: cần {len(header)} cột, có {len(row)}")
            p_code, p_name, c_code, c_name, c_type = (cell.strip() for cell in row)
            province_unit(line, p_code, p_name)
            _add_commune(registry, units_path, line, c_code, c_name, c_type, commune_types, p_code)

    return _build_tree(structure, registry.units)


def _add_commune(registry, path, line, code, name, type_word, commune_types, parent_code):
    _check_code(path, line, code, "commune")
    _check_name(path, line, name, "xã")
    unit_type = commune_types.get(type_word)
    if unit_type is None:
        raise AdminUnitsError(
            f"{path}:{line}: loại xã {type_word!r} không hợp lệ; cần một trong {', '.join(commune_types)}"
        )
    registry.get_or_add(line, Unit("commune", code, name, unit_type, parent_code))


def _read_district_types(path):
    header = ["province_code", "province_name", "district_code", "district_name", "district_type"]
    result = {}
    for line, row in _rows(path, header):
        if len(row) != len(header):
            raise AdminUnitsError(f"{path}:{line}: cần {len(header)} cột, có {len(row)}")
        p_code, p_name, d_code, d_name, d_type = (cell.strip() for cell in row)
        _check_code(path, line, p_code, "province")
        _check_code(path, line, d_code, "district")
        _check_name(path, line, d_name, "huyện")
        if d_type not in DISTRICT_TYPES:
            raise AdminUnitsError(
                f"{path}:{line}: loại huyện {d_type!r} không hợp lệ; cần một trong {', '.join(DISTRICT_TYPES)}"
            )
        result[d_code] = (p_code, DISTRICT_TYPES[d_type], d_name, p_name, line)
    return result


def _build_tree(structure, units):
    provinces = sorted((u for (level, _), u in units.items() if level == "province"), key=lambda u: u.code)
    by_code = {(u.level, u.code): u for u in units.values()}
    parent_level = {"district": "province", "commune": "district" if structure == "2024" else "province"}
    for (level, _), unit in sorted(units.items()):
        if level != "province":
            by_code[(parent_level[level], unit.parent_code)].children.append(unit)
    assign_slugs(provinces)
    for province in provinces:
        province.hostname_labels = (province.slug,)
        _label_children(province)
    return Country(structure, provinces)


def _label_children(unit):
    assign_slugs(unit.children, reserved=RESERVED_SLUGS)
    for child in unit.children:
        child.hostname_labels = (child.slug, *unit.hostname_labels)
        _label_children(child)


def assign_slugs(siblings, reserved=frozenset()):
    """Give each sibling a slug unique among them, decided by the whole set (so the same
    data gives the same slugs whatever is provisioned first):
    'an-truong'; where names collide, the type goes in front ('thi-xa-long-my',
    'huyen-long-my'); if that still collides, the code goes behind ('xa-an-phu-12345')."""
    plain = {u.code: slugify_vi(u.name if not u.name.isdigit() else u.full_name) for u in siblings}
    counts = Counter(plain.values())
    typed = {}
    for u in siblings:
        slug = plain[u.code]
        typed[u.code] = slug if counts[slug] == 1 and slug not in reserved else slugify_vi(u.full_name)
    typed_counts = Counter(typed.values())
    for u in siblings:
        slug = typed[u.code]
        u.slug = slug if typed_counts[slug] == 1 and slug not in reserved else f"{slug}-{u.code}"
