"""Vietnamese text folding: the one place that turns names into ASCII keys and slugs.

Folding is NFD, drop the combining marks (category Mn), then đ→d and Đ→D. Both tone
placements found in official names (Hòa/Hoà, Thủy/Thuỷ) fold to the same key.
"""

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Remove Vietnamese diacritics, keeping case: 'Đông Hải' → 'Dong Hai'."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d").replace("Đ", "D")


def fold_key(text: str) -> str:
    """A comparison key: folded, case-free, single-spaced. 'Trà  Vinh' → 'tra vinh'."""
    return _SPACES.sub(" ", fold(text).casefold()).strip()


def slugify_vi(text: str) -> str:
    """An ASCII slug for URLs and hostname labels: 'Phường 1' → 'phuong-1'."""
    return _NON_ALNUM.sub("-", fold(text).lower()).strip("-")


_DIGITS = re.compile(r"(\d+)")


def name_key(name):
    """Vietnamese-aware (folded) and natural ('Phường 2' before 'Phường 10') sort key."""
    return [int(part) if part.isdigit() else part for part in _DIGITS.split(fold_key(name))]
