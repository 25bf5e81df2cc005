"""Background jobs of the boards, run by the django-q2 worker (`manage.py qcluster`)."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task
from wagtail.models import Page

from boards.delivery import boards_holding, item_key, reached_boards
from boards.feeds import fetch_due
from boards.models import Board, BoardCommand, Heartbeat, OnlineSample, RenderProblem
from boards.publishing import boards_reached_by, rebuild
from cms_pages.models import AnnouncementPage, NewsPage
from sources.models import EmergencyAlertPage, SourceItemPage, TargetedPage

log = logging.getLogger(__name__)


def enqueue(function, *args):
    async_task(function, *args, sync=getattr(settings, "TASKS_SYNC", False))


def rebuild_board(board_id, now=None):
    """Rebuild one board (as at `now`, default the clock's time)."""
    board = Board.objects.filter(pk=board_id, is_active=True).select_related("owner").first()
    if board is None:
        return None
    version, created, rendered, problems = rebuild(board, now)
    return {
        "board": board_id,
        "version": version.number,
        "new": created,
        "rendered": rendered,
        "problems": len(problems),
    }


def rebuild_for_page(page_id):
    """A page was published, unpublished, moved or deleted: the boards it reaches, and only those."""

    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        ids = list(Board.objects.filter(is_active=True).values_list("pk", flat=True))
    elif _is_pushed(page):
        ids = pushed_item_boards(page.specific)
    else:
        ids = list(boards_reached_by(page).values_list("pk", flat=True))
    # One task per board: the workers build them side by side, a slow video board does not hold
    # up an LED board, and one board's failure stays its own.
    for pk in ids:
        enqueue("boards.tasks.rebuild_board", pk)
    return ids


def _is_pushed(page):

    return issubclass(page.specific_class or type(page), TargetedPage)


def pushed_item_boards(page):
    """A source item or alert changed: the boards it reaches now, and the boards still playing
    it (a target removed, or the item withdrawn)."""

    reached = set(reached_boards(page).values_list("pk", flat=True))
    area = page.source_area
    holding = set(boards_holding(item_key(page), area.path)) if area is not None else set()
    return sorted(reached | holding)


def rebuild_due(now=None):
    """Every minute: boards whose playlist changes by the clock now (an item expiring or
    starting, a daypart opening or closing, local midnight on boards whose slides show the
    date). Scheduled in settings.SCHEDULES; `now` for a frozen clock (tests), passed on."""
    moment = now or timezone.now()
    due = list(Board.objects.filter(is_active=True, recompose_at__lte=moment).values_list("pk", flat=True))
    for pk in due:
        if now is None:
            enqueue("boards.tasks.rebuild_board", pk)
        else:
            enqueue("boards.tasks.rebuild_board", pk, now)
    return due


def on_page_changed(sender, instance, **kwargs):
    """page_published / page_unpublished: recompose the boards the page reaches, after commit."""

    if not isinstance(instance, AnnouncementPage | NewsPage | SourceItemPage | EmergencyAlertPage):
        return
    page_id = instance.pk
    transaction.on_commit(lambda: enqueue("boards.tasks.rebuild_for_page", page_id))


HEARTBEATS_KEPT_DAYS = 400  # a year and a bit: the yearly indicators report reads them
PROBLEMS_KEPT_DAYS = 90
SAMPLES_KEPT_DAYS = 400


def prune_history(now=None):
    """Daily: heartbeats (one an hour per board, boards/api.py) older than 400 days, rendering
    problems older than 90 days, online samples older than 400 days, the system's own `collect`
    commands (one per new version) older than 90 days. Proof of play is kept, and so are the
    commands people gave (with Wagtail's audit log)."""

    now = now or timezone.now()
    days = datetime.timedelta(days=1)
    return {
        "heartbeats": Heartbeat.objects.filter(received_at__lt=now - HEARTBEATS_KEPT_DAYS * days).delete()[0],
        "problems": RenderProblem.objects.filter(at__lt=now - PROBLEMS_KEPT_DAYS * days).delete()[0],
        "samples": OnlineSample.objects.filter(at__lt=now - SAMPLES_KEPT_DAYS * days).delete()[0],
        "commands": BoardCommand.objects.filter(
            created_by__isnull=True, created_at__lt=now - PROBLEMS_KEPT_DAYS * days
        ).delete()[0],
    }


def on_media_slide_changed(sender, instance, **kwargs):
    """post_save / post_delete of a MediaSlide: recompose its unit's boards after commit."""

    owner_id = instance.owner_id

    def later():
        for pk in Board.objects.filter(owner_id=owner_id, is_active=True).values_list("pk", flat=True):
            enqueue("boards.tasks.rebuild_board", pk)

    transaction.on_commit(later)


def fetch_feeds(now=None):
    """Every minute: read the external feeds and calendars whose refresh time has come
    (boards/feeds.py); a board whose entries changed is recomposed by rebuild_due. Never raises:
    a failing source keeps its entries and says why in its last_error."""
    return fetch_due(now)
