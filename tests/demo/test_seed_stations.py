"""manage.py seed_stations: the demo register of the loudspeaker stations (demo/station.py) for the
session's Trà Vinh (104 communes), after seed_boards: the shares the indicators 1.1 and 1.2 then
show, the hamlets those of the seeded content, the IP stations served by seen clusters,
deterministic, and a second run that creates nothing."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from boards.models import Board, Heartbeat
from cms_pages.models import AnnouncementPage, NewsPage
from core.periods import Period
from demo import content
from demo import station as demo_station
from indicators.compute import compute
from indicators.report import percent
from station.models import Hamlet, Station

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(province):
    call_command("seed_boards", province="Trà Vinh", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_stations", province="Trà Vinh", stdout=out)
    return out.getvalue()


def test_the_register_gives_the_indicators_their_demo_shares(seeded, province):
    assert "Sổ đài truyền thanh mẫu cho Tỉnh Trà Vinh: 104 đài" in seeded
    assert Station.objects.count() == 104
    now = timezone.now()
    report = compute(province, Period.current_month(timezone.localdate(now)), now=now)
    a = report.total.as_of
    assert 0.80 <= a.loudspeakers.rate <= 0.95, a.loudspeakers
    assert 0.30 <= a.ip_stations.rate <= 0.50, a.ip_stations
    assert f"Chỉ tiêu 1.1: {percent(a.loudspeakers)}, 1.2: {percent(a.ip_stations)}" in seeded
    # Mixed technologies, converted between 2021 and yesterday, in both kinds of commune.
    ip = Station.objects.filter(technology="ip")
    assert {"wired", "fm", "ip"} == set(Station.objects.values_list("technology", flat=True))
    dates = sorted(ip.values_list("converted_on", flat=True))
    assert dates[0].year == 2021 and dates[-1] < timezone.localdate() and len({d.year for d in dates}) >= 5
    assert all(row.as_of.loudspeakers.total for row in report.types)
    # Over the trend, 1.2 grows with the conversions and 1.1 holds (the clusters' heartbeat history).
    assert report.trend[0].ip_stations.count <= a.ip_stations.count
    assert all(0.75 <= point.loudspeakers.rate <= 0.95 for point in report.trend)


def test_ip_stations_are_served_by_the_communes_clusters(seeded):
    for station in Station.objects.filter(technology="ip").select_related("owner"):
        for hamlet in station.hamlets.all():
            clusters = list(hamlet.clusters.all())
            assert clusters and all(c.owner_id == station.owner_id and c.kind == "audio" for c in clusters)
    # The three clusters seed_boards made serve their communes' hamlets; the others are new ones.
    centre = Board.objects.filter(name="Cụm loa truyền thanh trung tâm xã")
    assert centre.count() == 3
    assert all(Station.objects.get(owner=b.owner_id).technology == "ip" for b in centre)
    assert Hamlet.objects.filter(clusters__in=centre).exists()
    new = Board.objects.filter(name=demo_station.CLUSTER_NAME)
    assert new.count() == Station.objects.filter(technology="ip").count() - 3
    assert Heartbeat.objects.filter(board__in=new).count() > 1000  # a history, for the trend


def test_the_hamlets_are_those_of_the_seeded_content(settings, tmp_path, province, commune):
    """The ấp the seeded news and announcements of An Trường name are in its register."""
    settings.MEDIA_ROOT = tmp_path
    call_command(
        "seed_demo", province=["Trà Vinh"], district=["844"], communes=4, news=6, no_progress=True,
        stdout=io.StringIO(),
    )  # fmt: skip
    call_command("seed_stations", province="Trà Vinh", stdout=io.StringIO())
    registered = [(h.kind, h.name) for h in Station.objects.get(owner=commune).hamlets.order_by("sort_order")]
    assert 6 <= len(registered) <= 11 and all(kind == "ap" for kind, _ in registered)
    pages = [*NewsPage.objects.descendant_of(commune), *AnnouncementPage.objects.descendant_of(commune)]
    text = " ".join(f"{page.summary} {page.body}" for page in pages)
    mentioned = {name for name in content.SOUTH_HAMLETS if f"ấp {name}" in text}
    assert mentioned and mentioned <= {name for _, name in registered}


def test_plan_is_deterministic_and_keeps_its_shares():
    communes = [demo_station.CommuneInfo(f"{n:05d}", ("ấp Phú Hoà", "ấp Tân Lập", "khóm 3"), n < 3) for n in range(100)]
    today = datetime.date(2026, 12, 6)
    first, again = demo_station.plan(communes, 135, today), demo_station.plan(list(reversed(communes)), 135, today)
    assert first == again
    assert first != demo_station.plan(communes, 7, today)
    technologies = [p.technology for p in first.values()]
    assert (technologies.count("ip"), technologies.count("fm"), technologies.count("wired")) == (40, 30, 30)
    assert all(first[f"{n:05d}"].technology == "ip" for n in range(3))  # those with a cluster
    assert sum(not all(r for _, _, r in p.hamlets) for p in first.values()) == 6
    assert sum(not p.working for p in first.values()) == 2
    assert sum(p.silent_days > 0 for p in first.values()) == 4
    converted = sorted(p.converted_on for p in first.values() if p.converted_on)
    assert converted[0] >= datetime.date(2021, 1, 1) and converted[-1] <= datetime.date(2026, 12, 5)
    assert first["00000"].hamlets == (("ap", "Phú Hoà", True), ("ap", "Tân Lập", True), ("khom", "3", True))
    assert demo_station.hamlet_of("khu phố 2") == ("to", "Khu phố 2")
    assert demo_station.hamlet_of("tổ dân phố 4") == ("to", "4") and demo_station.hamlet_of("thôn Đoài") == (
        "thon",
        "Đoài",
    )


def test_a_second_run_creates_nothing(seeded):
    before = (Station.objects.count(), Hamlet.objects.count(), Board.objects.count(), Heartbeat.objects.count())
    out = io.StringIO()
    call_command("seed_stations", province="84", stdout=out)
    assert "đã có đài trong sổ" in out.getvalue()
    after = (Station.objects.count(), Hamlet.objects.count(), Board.objects.count(), Heartbeat.objects.count())
    assert after == before
