"""Reporting periods (a month, a quarter, a year or a range of days) and local dates.

Every date is a local date in the project's time zone (settings.TIME_ZONE, Asia/Ho_Chi_Minh),
whatever time zone the request has activated: a day starts at local midnight. Used by the
questions' figures, the indicators and their reports.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.utils import timezone

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
FORMATS_HELP = "2026-11 (tháng), 2026-Q3 (quý), 2026 (năm) hoặc 2026-01-01..2026-03-31 (khoảng ngày)"
MIN_YEAR, MAX_YEAR = 1900, 2100

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\s*\.\.\s*(\d{4})-(\d{2})-(\d{2})$")


def local_zone():
    return timezone.get_default_timezone()


def local_date(value):
    """The date of an aware datetime in the project's time zone (None stays None)."""
    return None if value is None else timezone.localdate(value, timezone=local_zone())


def local_today():
    return timezone.localdate(timezone=local_zone())


def query_date(text, invalid=None):
    """A date from a query parameter in ISO form (2026-12-06): None when empty, `invalid` when
    it is not a date (a view chooses whether that is an error or the default day)."""
    try:
        return datetime.date.fromisoformat(text) if text else None
    except ValueError:
        return invalid


def clock(seconds):
    """A length of time as a clock reads it: 4:05, 1:02:03 ("–" when unknown)."""
    if seconds is None:
        return "–"
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _check_year(year):
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"Năm {year} không hợp lệ (cần từ {MIN_YEAR} đến {MAX_YEAR}).")


@dataclass(frozen=True)
class Period:
    """A reporting period: start..end, both days included, and how people call it."""

    start: datetime.date
    end: datetime.date
    label: str
    key: str = ""  # the text `Period.parse` reads back: "2026-11", "2026-Q3", "2026", "a..b"

    @classmethod
    def month(cls, year, month):
        year, month = int(year), int(month)
        _check_year(year)
        if not 1 <= month <= 12:
            raise ValueError(f"Tháng {month} không hợp lệ (cần từ 1 đến 12).")
        last = calendar.monthrange(year, month)[1]
        return cls(
            datetime.date(year, month, 1),
            datetime.date(year, month, last),
            f"Tháng {month}/{year}",
            f"{year}-{month:02d}",
        )

    @classmethod
    def quarter(cls, year, quarter):
        year, quarter = int(year), int(quarter)
        _check_year(year)
        if not 1 <= quarter <= 4:
            raise ValueError(f"Quý {quarter} không hợp lệ (cần từ 1 đến 4).")
        first = 3 * quarter - 2
        last = first + 2
        return cls(
            datetime.date(year, first, 1),
            datetime.date(year, last, calendar.monthrange(year, last)[1]),
            f"Quý {ROMAN[quarter]}/{year}",
            f"{year}-Q{quarter}",
        )

    @classmethod
    def year(cls, year):
        year = int(year)
        _check_year(year)
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31), f"Năm {year}", f"{year}")

    @classmethod
    def between(cls, start, end):
        if end < start:
            raise ValueError(f"Ngày kết thúc {end:%d/%m/%Y} trước ngày bắt đầu {start:%d/%m/%Y}.")
        _check_year(start.year)
        _check_year(end.year)
        return cls(start, end, f"{start:%d/%m/%Y} – {end:%d/%m/%Y}", f"{start.isoformat()}..{end.isoformat()}")

    @classmethod
    def current_month(cls, today=None):
        today = today or local_today()
        return cls.month(today.year, today.month)

    @classmethod
    def parse(cls, text):
        """'2026-11' (month), '2026-Q3' (quarter), '2026' (year), '2026-01-01..2026-03-31' (days)."""
        value = (text or "").strip()
        if not value:
            raise ValueError(f"Chưa chọn kỳ báo cáo. Dùng dạng {FORMATS_HELP}.")
        if match := _YEAR.match(value):
            return cls.year(match[1])
        if match := _QUARTER.match(value):
            return cls.quarter(match[1], match[2])
        if match := _MONTH.match(value):
            return cls.month(match[1], match[2])
        if match := _RANGE.match(value):
            numbers = [int(part) for part in match.groups()]
            try:
                start = datetime.date(*numbers[:3])
                end = datetime.date(*numbers[3:])
            except ValueError:
                raise ValueError(f"Kỳ báo cáo “{value}” có ngày không tồn tại.") from None
            return cls.between(start, end)
        raise ValueError(f"Kỳ báo cáo “{value}” không hợp lệ. Dùng dạng {FORMATS_HELP}.")

    def __contains__(self, day):
        return day is not None and self.start <= day <= self.end

    def bounds(self):
        """[first moment, first moment after) as aware datetimes: local midnights."""
        zone = local_zone()
        start = timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min), zone)
        end = timezone.make_aware(
            datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min), zone
        )
        return start, end

    @property
    def dates_label(self):
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"

    def __str__(self):
        return self.label
