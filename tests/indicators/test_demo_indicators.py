"""demo/indicators.py: the demo province gets its targets, centres and a round of site checks,
once (a second run adds nothing), and the numbered indicators count them."""

import pytest

from areas.models import AreaPage
from demo.indicators import seed_indicators
from indicators.models import CommunicationCentre, IndicatorTarget, SiteCheck
from indicators.numbered import numbered

from .conftest import NOW, Period

pytestmark = pytest.mark.django_db


def test_seed_indicators_is_idempotent_and_counted():
    province = AreaPage.objects.get(structure="2024", level="province", code="84")
    first = seed_indicators(province)
    assert first == {"centres": 8, "site checks": 104}
    assert seed_indicators(province) == {"centres": 0, "site checks": 0}
    assert IndicatorTarget.objects.filter(area=province).count() == 6
    assert CommunicationCentre.objects.filter(is_operating=True).count() == 7
    answering = SiteCheck.objects.filter(ok=True).count()
    result = numbered(province, Period.month(2026, 12), now=NOW)
    lines = {line.code: line.ratio for line in result.lines}
    assert lines["1.3"].count + lines["1.4"].count == answering
    assert (lines["2.1"].count, lines["2.1"].total) == (7, 9)
