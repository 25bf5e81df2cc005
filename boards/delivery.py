"""Where a pushed item went (source information and emergency alerts, docs/architecture.md flow 3),
read from the data: which boards' current playlist holds it, its proof of play, and why a board
it reaches does not hold it (the reasons of the board's preview, boards.composition.why_not)."""

from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.utils import timezone

from boards.composition import why_not
from boards.models import Board, PlaylistVersion, PlayRecord
from boards.publishing import explain_board, pushed_candidate

NOT_LIVE = "chưa xuất bản hoặc đã thu hồi"
AWAITING_REBUILD = "chờ dựng lại danh sách phát"


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
    """{board id: (plays, seconds played, last start)} from proof of play. An item shown as
    several slides (an emergency on an LED board: "<key>", "<key>:2" …) plays once per showing
    of its first slide; the seconds are those of all its slides."""
    every_slide = PlayRecord.objects.filter(Q(item_id=key) | Q(item_id__startswith=f"{key}:"))
    if since is not None:
        every_slide = every_slide.filter(started_at__gte=since)
    if until is not None:
        every_slide = every_slide.filter(started_at__lt=until)
    plays = every_slide.filter(item_id=key)
    rows = plays.values("board_id").annotate(n=Count("pk"), last=Max("started_at")).order_by()
    seconds = {}
    for board_id, duration in every_slide.values_list("board_id", "duration_s"):
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


def reason_not_held(page, board, version, now):
    """Why `board` (reached by `page`) does not hold it in its current playlist `version`, in
    the words of the board's preview: what stops the item itself (not published, not for the
    boards, a CAP test, not yet or no longer valid), then the board's state (an emergency
    playing, a slide of the item that failed to render since it was published, no rebuild
    since), and only then the board's full composition (explain_board: a query or more)."""
    if not page.live:
        return NOT_LIVE
    now = timezone.localtime(now)  # the reasons say local clock times
    candidate = pushed_candidate(page)
    reason = why_not(candidate, now, emergency=bool(version and version.emergency))
    if reason:
        return reason
    published = page.last_published_at
    problems = board.problems.filter(item_key=candidate.key)
    if published is not None:
        problems = problems.filter(at__gte=published)
    problem = problems.order_by("-at").first()
    if problem is not None:
        return f"không dựng được trang: {problem.message}"
    if version is None or (published is not None and version.generated_at < published):
        return AWAITING_REBUILD
    verdict = next((v for v in explain_board(board, now) if v.candidate.key == candidate.key), None)
    return verdict.reason if verdict is not None and not verdict.plays else AWAITING_REBUILD
