"""Where a pushed item went (source information and emergency alerts, docs/architecture.md flow 3),
read from the data: which boards' current playlist holds it, and its proof of play."""

from django.db.models import Count, Max, OuterRef, Q, Subquery

from boards.models import Board, PlaylistVersion, PlayRecord


def item_key(page):
    return f"pushed:{page.pk}"


def current_versions(boards):
    """{board id: its newest PlaylistVersion} for a queryset of boards, in one query."""
    newest = PlaylistVersion.objects.filter(board=OuterRef("board")).order_by("-number").values("number")[:1]
    versions = PlaylistVersion.objects.filter(board__in=boards, number=Subquery(newest))
    return {v.board_id: v for v in versions}


def boards_holding(key, under_path):
    """Active boards under `under_path` whose current playlist lists the item `key`."""
    boards = Board.objects.filter(owner__path__startswith=under_path, is_active=True)
    return [
        board_id
        for board_id, version in current_versions(boards).items()
        if any(entry.get("id") == key for entry in version.items)
    ]


def plays_by_board(key, since=None, until=None):
    """{board id: (plays, seconds played, last start)} from proof of play."""
    plays = PlayRecord.objects.filter(item_id=key)
    if since is not None:
        plays = plays.filter(started_at__gte=since)
    if until is not None:
        plays = plays.filter(started_at__lt=until)
    rows = plays.values("board_id").annotate(n=Count("pk"), last=Max("started_at")).order_by()
    seconds = {}
    for board_id, duration in plays.values_list("board_id", "duration_s"):
        seconds[board_id] = seconds.get(board_id, 0.0) + duration
    return {row["board_id"]: (row["n"], seconds.get(row["board_id"], 0.0), row["last"]) for row in rows}


def reached_boards(page):
    """The boards whose playlist a source item or alert (`page`) reaches: chosen boards, boards
    of chosen groups, of chosen communes and of every unit inside a targeted area."""
    query = Q(pk__in=[b.pk for b in page.target_boards.all()])
    groups = [g.pk for g in page.target_board_groups.all()]
    if groups:
        query |= Q(groups__in=groups)
    communes = [c.pk for c in page.target_communes.all()]
    if communes:
        query |= Q(owner_id__in=communes)
    for area in page.target_areas.all():
        query |= Q(owner__path__startswith=area.path)
    ids = Board.objects.filter(query, is_active=True).values("pk")
    return Board.objects.filter(pk__in=ids).select_related("owner").order_by("owner__path", "name")
