"""Demo data for the ministry's numbered indicators (indicators/numbered.py) of a seeded province
(`manage.py seed_demo`, after seed_departments): the shipped targets reloaded (the province's own
rows exist only once the province is provisioned), a communication centre for most districts
(indicator 2.1; two districts without one, one of them closed), and a first round of site
checks (1.3, 1.4) as the scheduled task would record them: most commune sites answer, some
answer 503 and a few do not answer at all. They are marked by their user-visible error and URL
like real ones; the six-hourly task (`manage.py check_sites`) replaces them with real checks
once a worker runs beside the web server. Idempotent: a second run adds nothing.
"""

import datetime
import io
import random

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from wagtail.models import Site

from areas.models import AreaPage, CommuneHomePage
from indicators.models import CommunicationCentre, SiteCheck

ANSWERING_SHARE = 0.85
FAILING_SHARE = 0.08  # 503; the rest refuse the connection


@transaction.atomic
def seed_indicators(province, now=None, seed=20261206):
    """Targets, centres and a round of site checks for `province` (an AreaPage); the counts."""
    now = now or timezone.now()
    rng = random.Random(seed)
    call_command("load_indicator_targets", stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)
    districts = list(AreaPage.objects.filter(level="district", path__startswith=province.path).order_by("path"))
    centres = 0
    for index, district in enumerate(districts[:-1]):  # the last district has none
        _, made = CommunicationCentre.objects.get_or_create(
            owner=district,
            defaults={
                "name": f"Trung tâm Văn hóa - Thể thao - Truyền thông {district.name_in_sentence}",
                "decision_number": f"{1200 + index}/QĐ-UBND",
                "decision_date": datetime.date(2019, 7, 1) + datetime.timedelta(days=40 * index),
                "is_operating": index != 1,  # one merged into another and closed
            },
        )
        centres += made
    communes = list(CommuneHomePage.objects.filter(path__startswith=province.path).order_by("path"))
    checked = set(
        SiteCheck.objects.filter(commune__in=communes, checked_at__gte=now - datetime.timedelta(days=1)).values_list(
            "commune_id", flat=True
        )
    )
    sites = {s.root_page_id: s for s in Site.objects.filter(root_page__in=[c.pk for c in communes])}
    rows = []
    for commune in communes:
        if commune.pk in checked:
            continue
        draw = rng.random()
        site = sites.get(commune.pk)
        url = site.root_url.rstrip("/") + "/" if site else ""
        moment = now - datetime.timedelta(minutes=rng.randint(5, 300))
        if draw < ANSWERING_SHARE:
            rows.append(
                SiteCheck(
                    commune=commune, url=url, checked_at=moment, status_code=200, ok=True, ms=rng.randint(40, 400)
                )
            )
        elif draw < ANSWERING_SHARE + FAILING_SHARE:
            rows.append(
                SiteCheck(
                    commune=commune, url=url, checked_at=moment, status_code=503, ok=False, ms=rng.randint(40, 400),
                    error="Trang trả lời mã 503.",
                )
            )  # fmt: skip
        else:
            rows.append(
                SiteCheck(
                    commune=commune, url=url, checked_at=moment, ok=False, ms=rng.randint(1, 20),
                    error="Máy chủ từ chối kết nối (trang không chạy).",
                )
            )  # fmt: skip
    SiteCheck.objects.bulk_create(rows)
    return {"centres": centres, "site checks": len(rows)}
