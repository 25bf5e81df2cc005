"""Official unit codes (data/vn_admin_units_*.csv) to our own units and back.

Installations agree on nothing but the official codes: a province 2 digits, a district 3, a
commune 5. A code is looked up inside one of our areas (a province or district AreaPage), in
that area's structure (2024 or 2025), so the same code of the other structure never matches.
"""

from areas.models import AreaPage, CommuneHomePage


def units_by_code(area, codes):
    """{code: unit} for the codes that name `area` or a unit inside it (AreaPage or
    CommuneHomePage)."""
    codes = list(dict.fromkeys(codes))
    inside = {"structure": area.structure, "path__startswith": area.path, "code__in": codes}
    found = {}
    for unit in [*AreaPage.objects.filter(**inside), *CommuneHomePage.objects.filter(**inside)]:
        found.setdefault(unit.code, unit)
    return found


def unknown_codes(area, codes):
    found = units_by_code(area, codes)
    return [code for code in codes if code not in found]


def subscribed_paths(peer):
    """Tree paths of the units of ours `peer` may target (none listed: its whole area)."""
    codes = peer.subscription_codes
    if not codes:
        return [peer.owner.path]
    return [unit.path for unit in units_by_code(peer.owner, codes).values()]


def within(path, paths):
    return any(path.startswith(prefix) for prefix in paths)
