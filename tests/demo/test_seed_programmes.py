"""manage.py seed_programmes: the demo district's programme, read by the speech engine and
normalised like any upload, reaches the communes with clusters; placed in the first commune's
evening slot tomorrow, waiting in the others. Run twice, it makes nothing twice."""

import io

import pytest
from django.core.management import CommandError, call_command

import audio
from boards.models import Board
from station.models import Programme, SlotPlan


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True
    settings.TTS_ENGINE = "espeak"


@pytest.mark.django_db
def test_the_demo_programme_is_normalised_placed_and_waiting(commune, other_commune, settings):
    neighbour = commune.get_parent().get_children().type(commune.__class__).exclude(pk=commune.pk).first().specific
    placed_in, waiting_in = sorted([commune, neighbour], key=lambda c: c.path)  # the first commune, by the tree
    first = Board.objects.create(owner=placed_in, name="Cụm loa", kind="audio", broadcast_times="06:00, 17:00")
    second = Board.objects.create(owner=waiting_in, name="Cụm loa", kind="audio", broadcast_times="06:00, 17:00")
    out = io.StringIO()
    call_command("seed_programmes", province="Trà Vinh", no_progress=True, stdout=out)
    call_command("seed_programmes", province="Trà Vinh", no_progress=True, stdout=out)
    programme = Programme.objects.get()
    assert programme.owner_id == commune.get_parent().pk and programme.state == "ready"
    measured = audio.measure(f"{settings.MEDIA_ROOT}/{programme.file.path}")
    assert measured == pytest.approx(settings.STATION_LOUDNESS_TARGET, abs=1.0)
    [plan] = SlotPlan.objects.all()
    assert plan.owner_id == placed_in.pk and plan.at.hour == 17 and plan.keys == [programme.key]
    for board in (first, second):
        assert any(i["id"] == programme.key for i in board.current_version.items)
    airs = [a for a in first.current_version.schedule["airings"] if programme.key in a["items"]]
    assert len(airs) == 1 and airs[0]["at"][11:16] == "17:00"
    assert not any(programme.key in a["items"] for a in second.current_version.schedule["airings"])
    assert "gửi tới 2 xã" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("seed_programmes", province="Atlantis", no_progress=True, stdout=io.StringIO())
