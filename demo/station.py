"""A demo register of the communes' loudspeaker stations ("Sổ đài truyền thanh", station/) for a
seeded province (`manage.py seed_stations`), so that the ministry's indicators 1.1 and 1.2 have
something to count (indicators/compute.py).

What a Mekong province looks like: about 40 % of the communes already converted to IP
loudspeakers ("ứng dụng CNTT-VT") at dates spread from 2021 to yesterday, the others wired or FM;
a few hamlets the loudspeakers do not reach, a couple of stations out of order, a few IP clusters
silent for some days, so that 1.1 is near 90 %. The hamlets are the commune's own, the ones its
news and profile name (demo/content.py `hamlets`, drawn from the same random sequence as
seed_demo draws them). An IP station's hamlets are served by the commune's loudspeaker clusters:
the one seed_boards made where there is one, else a new "Cụm loa CNTT-VT trung tâm xã", with a
heartbeat history (one every 23 hours since its conversion, at most 400 days, what the boards
keep) so that 1.1 holds at the trend's past points too. The presence is the one of the moment
of seeding: a day later, with no player running, the clusters are no longer seen.

`plan` is pure: (communes, seed, today) → StationPlan per commune; `seed_stations` writes it.
`make demo` runs it after render_boards: the new clusters get their playlists when content
reaches them (or by `manage.py render_boards`), so that reading bulletins aloud for some forty
more clusters does not slow every `make run`.
"""

import datetime
import hashlib
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from areas.models import AreaPage, CommuneHomePage
from boards.models import Board, BoardKind, BoardStatus, Heartbeat
from demo import content
from demo.management.commands.seed_demo import DEFAULT_SEED
from station.models import Hamlet, HamletKind, Station, Technology

IP_SHARE = 0.40
FM_SHARE = 0.30
UNREACHED_SHARE = 0.06  # wired or FM stations with one hamlet the loudspeakers do not reach
BROKEN_SHARE = 0.02  # stations out of order
SILENT_SHARE = 0.04  # IP stations whose cluster has been silent for a few days
FIRST_CONVERSION = datetime.date(2021, 1, 1)
HEARTBEAT_EVERY = datetime.timedelta(hours=23)  # under the indicators' 24 h: seen at any moment
HISTORY = datetime.timedelta(days=400)  # boards.tasks.HEARTBEATS_KEPT_DAYS
CLUSTER_NAME = "Cụm loa CNTT-VT trung tâm xã"
KINDS = [  # the words of content.hamlets → HamletKind, the name after the word
    ("tổ dân phố ", HamletKind.TO),
    ("khu phố ", HamletKind.TO),  # no kind of its own (docs/huong-dan/so-dai-truyen-thanh.md)
    ("khóm ", HamletKind.KHOM),
    ("thôn ", HamletKind.THON),
    ("bản ", HamletKind.BAN),
    ("ấp ", HamletKind.AP),
]


@dataclass(frozen=True)
class CommuneInfo:
    code: str
    hamlet_names: tuple  # "ấp Giồng Lức", "khóm 3" …
    has_cluster: bool  # the demo boards gave it a loudspeaker cluster already


@dataclass(frozen=True)
class StationPlan:
    code: str
    technology: str
    converted_on: datetime.date | None
    working: bool
    hamlets: tuple  # (kind, name, reached)
    silent_days: int  # IP: days since its cluster was last seen (0: seen minutes ago)
    note: str = ""


def _key(seed, code, what):
    return hashlib.sha256(f"{seed}:station:{what}:{code}".encode()).hexdigest()


def hamlet_of(name):
    """('ap', 'Giồng Lức') from 'ấp Giồng Lức'; a khu phố is a tổ dân phố named 'Khu phố 2'."""
    for word, kind in KINDS:
        if name.startswith(word):
            return kind.value, (content.cap(name) if word == "khu phố " else name[len(word) :])
    return HamletKind.AP.value, name


def plan(communes, seed=DEFAULT_SEED, today=None):
    """{code: StationPlan} for `communes` (CommuneInfo): shares of technologies and failures by
    quota, the communes chosen by a hash of the seed and their code (same seed, same register)."""
    today = today or timezone.localdate()
    n = len(communes)
    ranked = sorted(communes, key=lambda c: (not c.has_cluster, _key(seed, c.code, "rank")))
    ip_count = max(round(IP_SHARE * n), sum(c.has_cluster for c in communes))
    fm_count = round(FM_SHARE * n)
    ip = ranked[:ip_count]
    others = sorted(ranked[ip_count:], key=lambda c: _key(seed, c.code, "other"))
    fm = {c.code for c in others[:fm_count]}
    failing = sorted(others, key=lambda c: _key(seed, c.code, "fail"))
    unreached = {c.code for c in failing[: round(UNREACHED_SHARE * n)]}
    broken = {c.code for c in failing[len(unreached) : len(unreached) + round(BROKEN_SHARE * n)]}
    silent = {c.code for c in sorted(ip, key=lambda c: _key(seed, c.code, "silent"))[: round(SILENT_SHARE * n)]}
    last = max(today - datetime.timedelta(days=1), FIRST_CONVERSION)
    span = (last - FIRST_CONVERSION).days
    by_date = sorted(ip, key=lambda c: _key(seed, c.code, "date"))

    plans = {}
    for index, commune in enumerate(by_date):
        r = random.Random(_key(seed, commune.code, "ip"))
        offset = int(span * (index + r.random()) / max(len(by_date), 1))
        plans[commune.code] = StationPlan(
            code=commune.code,
            technology=Technology.IP.value,
            converted_on=FIRST_CONVERSION + datetime.timedelta(days=min(offset, span)),
            working=True,
            hamlets=tuple((*hamlet_of(name), True) for name in commune.hamlet_names),
            silent_days=r.randint(3, 9) if commune.code in silent else 0,
            note="Loa IP thu phát qua mạng di động 4G; điều khiển từ máy tính và điện thoại của đài.",
        )
    for commune in others:
        r = random.Random(_key(seed, commune.code, "classic"))
        hamlets = [(*hamlet_of(name), True) for name in commune.hamlet_names]
        if commune.code in unreached and hamlets:
            kind, name, _ = hamlets[-1]
            hamlets[-1] = (kind, name, False)
        if commune.code in fm:
            technology = Technology.FM.value
            note = f"Máy phát FM {r.choice([50, 100, 150])} W, tần số {r.choice(range(880, 1080, 5)) / 10:.1f} MHz."
        else:
            technology = Technology.WIRED.value
            note = f"Đường dây hữu tuyến dài khoảng {r.randint(8, 25)} km, {r.randint(20, 60)} loa nén."
        if commune.code in broken:
            note += " Hư hỏng thiết bị phát sau mưa bão, đang chờ sửa chữa."
        plans[commune.code] = StationPlan(
            code=commune.code,
            technology=technology,
            converted_on=None,
            working=commune.code not in broken,
            hamlets=tuple(hamlets),
            silent_days=0,
            note=note,
        )
    return plans


# --- Writing ------------------------------------------------------------------------------------


def _place(home, province, areas, siblings):
    """The commune's content.Place, built as seed_demo builds it (Seeder._place), so that the
    random sequence, and with it the hamlets, are the same."""
    ancestors = []
    path = home.path[: -Page.steplen]
    while path in areas:
        ancestors.append(areas[path].name_in_sentence)
        path = path[: -Page.steplen]
    return content.Place(
        level="commune",
        unit_type=home.unit_type,
        name=home.short_name,
        code=home.code,
        province_code=province.code,
        ancestors=tuple(ancestors),
        subunits=(),
        neighbours=tuple(n for n in siblings.get(home.path[: -Page.steplen], ()) if n != home.name_in_sentence),
    )


def commune_infos(province, homes, seed=DEFAULT_SEED, today=None):
    """CommuneInfo of each home: its hamlets as seed_demo names them, whether it has a cluster."""
    today = today or timezone.localdate()
    areas = {a.path: a for a in AreaPage.objects.filter(path__startswith=province.path)}
    siblings = {}
    for commune in CommuneHomePage.objects.filter(path__startswith=province.path).order_by("path"):
        siblings.setdefault(commune.path[: -Page.steplen], []).append(commune.name_in_sentence)
    with_cluster = set(
        Board.objects.filter(owner__in=[h.pk for h in homes], kind=BoardKind.AUDIO, is_active=True).values_list(
            "owner_id", flat=True
        )
    )
    infos = []
    for home in homes:
        place = _place(home, province, areas, siblings)
        r = random.Random(f"{seed}:{home.structure}:commune:{home.code}")  # seed_demo's Seeder.seed
        names = content.context(r, place, today).hamlet_names
        infos.append(CommuneInfo(home.code, tuple(names), home.pk in with_cluster))
    return infos


def _heartbeats(board, since, last):
    moments, moment = [], last
    while moment >= since:
        moments.append(Heartbeat(board=board, received_at=moment, player="tincoso-demo"))
        moment -= HEARTBEAT_EVERY
    return moments


def seed_stations(province, seed=DEFAULT_SEED, now=None):
    """Write the register of the province's communes that have no station yet; returns
    {"stations", "hamlets", "clusters", "by_technology"} of what it created."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    homes = list(
        CommuneHomePage.objects.filter(path__startswith=province.path)
        .exclude(pk__in=Station.objects.values("owner_id"))
        .order_by("path")
    )
    made = {"stations": 0, "hamlets": 0, "clusters": 0, "by_technology": dict.fromkeys(Technology.values, 0)}
    if not homes:
        return made
    plans = plan(commune_infos(province, homes, seed, today), seed, today)
    zone = timezone.get_current_timezone()
    through = Hamlet._meta.get_field("clusters").remote_field.through
    with transaction.atomic():
        stations = Station.objects.bulk_create(
            [
                Station(
                    owner=home,
                    technology=plans[home.code].technology,
                    converted_on=plans[home.code].converted_on,
                    working=plans[home.code].working,
                    note=plans[home.code].note,
                )
                for home in homes
            ]
        )
        hamlets = Hamlet.objects.bulk_create(
            [
                Hamlet(station=station, kind=kind, name=name, reached=reached, sort_order=order)
                for home, station in zip(homes, stations)
                for order, (kind, name, reached) in enumerate(plans[home.code].hamlets)
            ]
        )
        by_station = {}
        for hamlet in hamlets:
            by_station.setdefault(hamlet.station_id, []).append(hamlet)
        links, heartbeats = [], []
        for home, station in zip(homes, stations):
            p = plans[home.code]
            made["by_technology"][p.technology] += 1
            if p.technology != Technology.IP:
                continue
            clusters = list(Board.objects.filter(owner=home, kind=BoardKind.AUDIO, is_active=True).order_by("pk"))
            if not clusters:
                clusters = [
                    Board.objects.create(
                        owner=home,
                        name=CLUSTER_NAME,
                        kind=BoardKind.AUDIO,
                        width=None,
                        height=None,
                        news_count=2,
                        broadcast_times="06:00, 17:00",
                        emergency_repeat_minutes=15,
                        address=f"Đài truyền thanh {home.name_in_sentence}",
                    )
                ]
                made["clusters"] += 1
            converted = datetime.datetime.combine(p.converted_on, datetime.time(8), tzinfo=zone)
            r = random.Random(_key(seed, home.code, "seen"))
            for board in clusters:
                Board.objects.filter(pk=board.pk, created_at__gt=converted).update(created_at=converted)
                last = now - datetime.timedelta(days=p.silent_days, minutes=r.randint(2, 50))
                heartbeats += _heartbeats(board, max(converted, now - HISTORY), last)
                status, new = BoardStatus.objects.get_or_create(board=board, defaults={"last_seen_at": last})
                if not new and status.last_seen_at < last:  # a player that really called in stays
                    BoardStatus.objects.filter(pk=status.pk).update(last_seen_at=last)
            links += [through(hamlet=h, board=b) for h in by_station.get(station.pk, ()) for b in clusters]
        through.objects.bulk_create(links)
        Heartbeat.objects.bulk_create(heartbeats, batch_size=2000)
    made["stations"] = len(stations)
    made["hamlets"] = len(hamlets)
    return made
