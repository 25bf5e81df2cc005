"""Deadlines in working days: Monday to Friday, minus Vietnam's public holidays.

Tết and Giỗ Tổ follow the lunar calendar and the government announces each year how the days
off are arranged (bridge days, compensatory days), so holidays come from a table,
``data/vn_public_holidays.csv`` (``date,name,note``; a ``note`` of "dự kiến" marks days not
yet announced). Weekend days listed there change nothing.

Not modelled: the Saturdays worked to make up for a swapped day (e.g. 10/01/2026 for
02/01/2026) count as days off, so a deadline spanning one ends a working day later. Dates
after the table's last year are counted as if they had no holidays: extend the table yearly.
"""

import csv
import functools
import logging
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

_COLUMNS = ["date", "name", "note"]


def _default_path():
    return Path(settings.BASE_DIR) / "data" / "vn_public_holidays.csv"


def load_holidays(path=None) -> frozenset[date]:
    """The days off listed in the CSV at ``path`` (default: the project's table), cached."""
    return _load(Path(path) if path is not None else _default_path())


@functools.lru_cache(maxsize=8)
def _load(path: Path) -> frozenset[date]:
    days = {}
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != _COLUMNS:
            raise ValueError(f"{path}, line 1: the header must be {','.join(_COLUMNS)}, not {header}")
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(_COLUMNS):
                raise ValueError(f"{path}, line {line}: {len(row)} fields instead of {len(_COLUMNS)}")
            raw, name, _note = (cell.strip() for cell in row)
            try:
                day = date.fromisoformat(raw)
            except ValueError:
                raise ValueError(f"{path}, line {line}: {raw!r} is not a date (YYYY-MM-DD)") from None
            if not name:
                raise ValueError(f"{path}, line {line}: the holiday has no name")
            if day in days:
                raise ValueError(f"{path}, line {line}: {day} is already listed on line {days[day]}")
            days[day] = line
    return frozenset(days)


def _day(d) -> date:
    # A datetime is a date too, but never equal to one: it would never match a holiday.
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a date, not {type(d).__name__}")
    return d


def is_working_day(d: date, holidays=None) -> bool:
    d = _day(d)
    if holidays is None:
        holidays = load_holidays()
    return d.weekday() < 5 and d not in holidays


def add_working_days(start: date, n: int, holidays=None) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself does not count; n=0 → start)."""
    start = _day(start)
    if n < 0:
        raise ValueError("n must not be negative")
    if holidays is None:
        holidays = load_holidays()
    day = start
    while n:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            n -= 1
    if holidays and day.year > max(holidays).year:
        _warn_beyond_table(day.year)
    return day


def working_days_between(start: date, end: date, holidays=None) -> int:
    """Working days in (start, end]: after ``start``, up to and including ``end``."""
    start, end = _day(start), _day(end)
    if holidays is None:
        holidays = load_holidays()
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        if is_working_day(day, holidays):
            count += 1
        day += timedelta(days=1)
    return count


def deadline_for(received_at: datetime, days: int | None = None) -> date:
    """The date an answer is due: ``days`` working days (default INQUIRY_DEADLINE_WORKING_DAYS)
    after the local (Asia/Ho_Chi_Minh) date on which it was received."""
    if days is None:
        days = getattr(settings, "INQUIRY_DEADLINE_WORKING_DAYS", 10)
    return add_working_days(timezone.localdate(received_at), days)


@functools.cache
def _warn_beyond_table(year):
    logger.warning("working_days: no public holidays listed for %s; add them to %s", year, _default_path())
