"""The targets of the ministry's indicators as shipped data (data/indicator_targets.csv).

`load(...)` reads the file (lines starting with # are its header notes) and writes it into
IndicatorTarget, idempotently: a ministry row ("bo") is created or brought back to the file's
value; a province's row ("tinh", by province_code, for each province AreaPage with that code
in either structure) is only created when missing, so a province's own edits survive a reload.
Used by migration 0003 (with the historical models) and `manage.py load_indicator_targets`.
"""

import csv
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings

CODES = {"1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2.1", "2.2", "3", "so-nganh", "huyen-cung-cap"}


REQUIRED_COLUMNS = ("code", "year", "value")


class TargetFileError(ValueError):
    """A line of the file that cannot be loaded (the message is for people)."""


@dataclass
class Loaded:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # province rows of a province not provisioned here


def default_path():
    base = Path(getattr(settings, "BASE_DIR", Path(__file__).resolve().parent.parent))
    candidate = base / "data" / "indicator_targets.csv"
    if not candidate.exists():
        candidate = Path(__file__).resolve().parent.parent / "data" / "indicator_targets.csv"
    return candidate


def read(path=None):
    """[dict] of the file's lines, checked; TargetFileError naming the line otherwise."""
    path = Path(path or default_path())
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            numbered_lines = [(n, line) for n, line in enumerate(fh, start=1) if not line.startswith("#")]
    except UnicodeDecodeError as exc:
        raise TargetFileError(f"{path.name} không phải tệp CSV UTF-8 ({exc.reason}).") from exc
    numbers = [n for n, _ in numbered_lines]  # the file's own line numbers, for the messages
    reader = csv.DictReader(line for _, line in numbered_lines)
    missing = [name for name in REQUIRED_COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        raise TargetFileError(
            f"{path.name}: thiếu cột {', '.join(missing)} ở dòng tiêu đề (cần: {','.join(REQUIRED_COLUMNS)} …)."
        )
    rows = []
    for row in reader:
        number = numbers[min(reader.line_num, len(numbers)) - 1]
        try:
            code = row["code"].strip()
            year = int(row["year"])
            value = Decimal(row["value"].strip())
        except (KeyError, ValueError, InvalidOperation, AttributeError) as exc:
            raise TargetFileError(f"Dòng {number}: không đọc được ({exc}).") from exc
        if code not in CODES:
            raise TargetFileError(f"Dòng {number}: không có chỉ tiêu “{code}”.")
        if not 2021 <= year <= 2030 or not 0 <= value <= 100:
            raise TargetFileError(f"Dòng {number}: năm phải từ 2021 đến 2030 và chỉ tiêu từ 0 đến 100 %.")
        source = (row.get("source") or "bo").strip()
        if source not in ("bo", "tinh") or (source == "tinh" and not (row.get("province_code") or "").strip()):
            raise TargetFileError(f"Dòng {number}: nguồn phải là “bo” hoặc “tinh” (kèm mã tỉnh).")
        rows.append(
            {
                "code": code,
                "year": year,
                "value": value,
                "comparison": (row.get("comparison") or "gte").strip() or "gte",
                "applies_to": (row.get("applies_to") or "").strip(),
                "source": source,
                "province_code": (row.get("province_code") or "").strip(),
                "note": (row.get("note") or "").strip(),
            }
        )
    if not rows:
        raise TargetFileError(f"{path.name} không có dòng chỉ tiêu nào.")
    return rows


def load(target_model, area_model, path=None, progress=None):
    """Write the file's rows (see the module's docstring); `progress` wraps the iteration (tqdm)."""
    rows = read(path)
    result = Loaded()
    provinces = {}
    for pk, code in area_model.objects.filter(level="province").values_list("pk", "code"):
        provinces.setdefault(code, []).append(pk)
    for row in progress(rows) if progress else rows:
        key = {"code": row["code"], "year": row["year"], "applies_to": row["applies_to"], "source": row["source"]}
        values = {"value": row["value"], "comparison": row["comparison"], "note": row["note"]}
        if row["source"] == "bo":
            found = target_model.objects.filter(area__isnull=True, **key).first()
            if found is None:
                target_model.objects.create(area=None, **key, **values)
                result.created += 1
            elif any(getattr(found, name) != value for name, value in values.items()):
                target_model.objects.filter(pk=found.pk).update(**values)
                result.updated += 1
            else:
                result.unchanged += 1
            continue
        areas = provinces.get(row["province_code"], [])
        if not areas:
            result.skipped += 1
        for area_id in areas:
            _, created = target_model.objects.get_or_create(area_id=area_id, **key, defaults=values)
            if created:
                result.created += 1
            else:
                result.unchanged += 1
    return result
