"""Which loudspeaker clusters a programme reaches, and which programmes a cluster airs.

A programme with no targets is aired by its own unit's clusters; a district or the province
chooses units (every cluster inside each) and clusters, the way source items are targeted
(docs/architecture.md, flow 3). Only active boards of kind "audio" are clusters."""

from django.db.models import Q
from wagtail.models import Page

from boards.models import Board, BoardKind
from station.models import Programme, ProgrammeKind, ProgrammeState

STEP = Page.steplen


def clusters():
    return Board.objects.filter(is_active=True, kind=BoardKind.AUDIO)


def reached_clusters(programme):
    """The clusters `programme` reaches now (a queryset)."""
    units = list(programme.target_units.values_list("path", flat=True))
    chosen = list(programme.target_clusters.values_list("pk", flat=True))
    if not units and not chosen:
        return clusters().filter(owner_id=programme.owner_id)
    query = Q(pk__in=chosen)
    for path in units:
        query |= Q(owner__path__startswith=path)
    return clusters().filter(query)


def ancestor_paths(path):
    """`path` and every tree path above it."""
    return [path[:end] for end in range(STEP, len(path) + 1, STEP)]


def reaching(board):
    """Every programme that reaches `board`, of any kind and state: the commune's own ones that
    name no target, and those aimed at the cluster itself or at a unit above it."""
    owner_path = Page.objects.filter(pk=board.owner_id).values_list("path", flat=True).first() or ""
    own = Q(owner_id=board.owner_id, target_units__isnull=True, target_clusters__isnull=True)
    targeted = Q(target_clusters=board) | Q(target_units__path__in=ancestor_paths(owner_path))
    return Programme.objects.filter(own | targeted).distinct()


def programmes_for(board):
    """The ready programmes (recorded, or the recording of a live broadcast) that reach `board`."""
    return (
        reaching(board)
        .filter(state=ProgrammeState.READY, kind__in=[ProgrammeKind.RECORDED, ProgrammeKind.LIVE])
        .select_related("file")
    )
