"""demo/directives.py: the province's yearly report request to every commune and a district's
directive, some answered; seeding twice adds nothing."""

import datetime

from django.utils import timezone

from areas.models import CommuneHomePage
from demo.directives import seed_directives
from directives.models import Directive, DirectiveRecipient


def test_the_demo_seeds_a_yearly_report_request_and_a_districts_directive_once(province):
    now = timezone.make_aware(datetime.datetime(2026, 12, 6, 9, 0))
    assert seed_directives(province, now=now) == 2
    report = Directive.objects.get(sender=province)
    assert report.is_report_request and report.period.label == "Năm 2026" and report.is_sent
    assert timezone.localtime(report.deadline).strftime("%d/%m/%Y %H:%M") == "15/12/2026 17:00"
    communes = CommuneHomePage.objects.filter(path__startswith=province.path).count()
    assert report.recipients.count() == communes
    answered = report.recipients.filter(answered_at__isnull=False)
    assert 0.4 * communes < answered.count() < 0.9 * communes
    assert all(r.answered_at <= report.deadline and "Năm 2026" in r.answer for r in answered)
    assert all(r.seen_at is None or report.sent_at <= r.seen_at for r in report.recipients.all())
    district_directive = Directive.objects.exclude(sender=province).get()
    assert district_directive.sender.level == "district" and district_directive.recipients.exists()
    assert all(r.commune.path.startswith(district_directive.sender.path) for r in district_directive.recipients.all())
    assert seed_directives(province, now=now) == 0
    assert (
        Directive.objects.count() == 2
        and DirectiveRecipient.objects.count() == communes + district_directive.recipients.count()
    )


def test_the_tracking_and_aggregate_pages_cost_the_same_queries_for_2_or_104_communes(client, province, district):
    """The province's yearly report reaches every commune (104 in Trà Vinh): its tracking table
    and its aggregate beside the indicators read them in a fixed number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from tests.directives.helpers import staff

    now = timezone.now()
    seed_directives(province, now=now)
    big = Directive.objects.get(sender=province)
    small = Directive.objects.create(
        sender=province,
        kind="bao_cao",
        title="Báo cáo nhỏ",
        period_key=big.period_key,
        issued_on=big.issued_on,
        deadline=big.deadline,
        sent_at=big.sent_at,
    )
    for row in big.recipients.filter(answered_at__isnull=False)[:1]:
        DirectiveRecipient.objects.create(
            directive=small, commune=row.commune, answer=row.answer, answered_at=row.answered_at
        )
    DirectiveRecipient.objects.create(
        directive=small, commune=big.recipients.filter(answered_at__isnull=True)[0].commune
    )
    assert big.recipients.count() > 100 and small.recipients.count() == 2
    client.force_login(staff(province, "cb_tinh"))

    def queries(name, directive):
        url = reverse(name, args=[directive.pk])
        client.get(url)  # the session and the menu's caches warm
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for name in ("directives_detail", "directives_aggregate"):
        assert queries(name, big) == queries(name, small), name
    # A province's list names the district of each commune ("Phường 1" is in several towns).
    page = client.get(reverse("directives_detail", args=[big.pk])).content.decode()
    assert f'<span class="help-text">{district.title}</span>' in page
