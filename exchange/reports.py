"""Figures sent upward: the indicators of our area and the state of our boards and loudspeaker
clusters, as JSON (the schemas in exchange/openapi.py)."""

from django.utils import timezone

from areas.models import AreaPage, CommuneHomePage
from boards.models import Board
from boards.monitoring import board_state, channel_trusted, newest_versions
from core.periods import Period
from exchange.payloads import iso, unit_ref


def _ratio(value):
    return {"count": value.count, "total": value.total, "rate": value.rate, "applicable": value.applicable}


def _computed(area, period):
    """compute()'s totals, when the ministry's numbering (indicators.numbered) is not there."""
    from indicators.compute import compute

    report = compute(area, period, trend=False)
    as_of = report.total.as_of

    def row(line):
        data = {
            "kind": line.kind,
            "code": line.code,
            "name": line.name,
            "communes": line.communes,
            "websites": _ratio(line.as_of.websites),
            "boards": _ratio(line.as_of.boards),
            "large_boards": _ratio(line.as_of.large_boards),
            "online": _ratio(line.as_of.online),
            "loudspeakers": _ratio(line.as_of.loudspeakers),
            "ip_stations": _ratio(line.as_of.ip_stations),
            "inquiries_on_time": _ratio(line.on_time),
            "inquiries_received": line.inquiries.received,
        }
        if line.pushed is not None:
            data["pushed"] = {"items": line.pushed.items, "alerts": line.pushed.alerts, "plays": line.pushed.plays}
        return data

    return {
        "as_of": iso(as_of.moment),
        "totals": row(report.total),
        "rows": [row(line) for line in report.districts],
    }


def indicators_payload(area, period):
    """The one function that says what "indicators" carries: the ministry's numbered indicators
    (indicators.numbered.as_json) when that module is installed, else compute()'s totals."""
    try:
        from indicators.numbered import as_json
    except ImportError:
        as_json = None
    if as_json is not None:
        numbered = as_json(area, period)
        lines = numbered.get("indicators", [])
        data = {
            "as_of": numbered.get("as_of"),
            "totals": {line["code"]: line for line in lines},
            "indicators": lines,
            "other": numbered.get("other", {}),
        }
    else:
        data = _computed(area, period)
    return {
        "unit": unit_ref(area),
        "period": {
            "key": period.key,
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        **data,
    }


def device_status_payload(area, now=None):
    """Every active board and loudspeaker cluster of `area`: its unit's code, kind, size, state
    (boards.monitoring.board_state) and when it was last seen."""
    now = now or timezone.now()
    boards = list(
        Board.objects.filter(is_active=True, owner__path__startswith=area.path)
        .select_related("owner", "status")
        .order_by("owner__path", "name")
    )
    newest = newest_versions(boards)
    trusted = channel_trusted(now)
    owners = {
        unit.pk: unit
        for unit in [
            *AreaPage.objects.filter(pk__in=[b.owner_id for b in boards]),
            *CommuneHomePage.objects.filter(pk__in=[b.owner_id for b in boards]),
        ]
    }
    devices = []
    counts = {"online": 0, "offline": 0, "never": 0}
    for board in boards:
        status = getattr(board, "status", None) if hasattr(board, "status") else None
        state = board_state(board, status, now, current_version=newest.get(board.pk, 0) or None, trusted=trusted)
        counts[state.kind] = counts.get(state.kind, 0) + 1
        owner = owners.get(board.owner_id)
        devices.append(
            {
                "unit_code": owner.code if owner else "",
                "unit_name": owner.title if owner else board.owner.title,
                "name": board.name,
                "kind": board.kind,
                "size": None if board.is_audio else {"width": board.width, "height": board.height},
                "large": board.large,
                "state": state.kind,
                "last_seen_at": iso(state.last_seen_at),
            }
        )
    return {"unit": unit_ref(area), "at": iso(now), "counts": counts, "devices": devices}


def default_period(today=None):
    """The report sent each day: the current month so far."""
    return Period.current_month(today)
