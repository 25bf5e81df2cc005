"""Recorded programmes (issue 16): an editor uploads audio in the admin; it is checked by its
content before anything is saved, normalised once to the loudness target by the worker (run
inline here), and aired by the clusters it targets: in their playlists as an audio item, played
by the headless reference player at a broadcast time (tests/browser/test_station_e2e.py).
A commune's editors see and touch only their commune's programmes."""

import io
import os

import av
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

import audio
from boards.models import Board
from station.models import Programme, ProgrammeState
from tests.station.sounds import programme as make_programme

PASSWORD = "x-Strong-pass-123"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True
    settings.STATION_LOUDNESS_TARGET = -16.0


@pytest.fixture
def editor(commune):
    user = get_user_model().objects.create_user("bt_dai_an_truong", password=PASSWORD)
    user.groups.add(commune.editors_group)
    return user


@pytest.fixture
def other_editor(other_commune):
    user = get_user_model().objects.create_user("bt_dai_dong_hai", password=PASSWORD)
    user.groups.add(other_commune.editors_group)
    return user


@pytest.fixture
def district_editor(commune):
    user = get_user_model().objects.create_user("bt_dai_cang_long", password=PASSWORD)
    user.groups.add(commune.get_parent().specific.editors_group)
    return user


def speakers(owner, name="Cụm loa trung tâm xã"):
    return Board.objects.create(owner=owner, name=name, kind="audio", broadcast_times="06:00, 17:00")


def upload(tmp_path, name="ban-tin.mp3", **sound):
    path = make_programme(tmp_path / f"src-{name}", **sound)
    return SimpleUploadedFile(name, path.read_bytes(), content_type="audio/mpeg")


def form(owner, file=None, **fields):
    data = {
        "owner": owner.pk,
        "title": "Chương trình phát thanh tuần 49: phòng chống sốt xuất huyết",
        "kind": "recorded",
        "priority": "normal",
        "valid_from": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "valid_until": "",
        **fields,
    }
    if file is not None:
        data["upload"] = file
    return data


@pytest.fixture(autouse=True)
def _commits(django_capture_on_commit_callbacks, monkeypatch):
    """Run what the views leave for after the commit (the worker's tasks, inline here) as the
    request ends, as it would in production."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda fn, using=None, robust=False: fn())


def add(client, user, data):
    client.force_login(user)
    return client.post(reverse("programmes:add"), data)


def on_disk(item):
    return os.path.join(settings.MEDIA_ROOT, item["url"].removeprefix(settings.MEDIA_URL))


@pytest.mark.django_db
def test_an_upload_is_normalised_and_airs_on_the_communes_clusters(client, commune, editor, tmp_path):
    cluster = speakers(commune)
    response = add(client, editor, form(commune, upload(tmp_path, seconds=8, level_db=-32)))
    assert response.status_code == 302, response.content.decode()[:3000]
    programme = Programme.objects.get()
    assert programme.state == ProgrammeState.READY, programme.message
    assert programme.created_by == editor and programme.owner_id == commune.pk
    # Normalised once: within ±1 LU of the target, as the listing says.
    assert programme.loudness_in < -25
    measured = audio.measure(on_disk({"url": settings.MEDIA_URL + programme.file.path}))
    assert measured == pytest.approx(-16.0, abs=1.0)
    assert programme.duration_s == pytest.approx(8.0, abs=0.2)
    # In the cluster's playlist, as an audio item that plays as it is.
    version = cluster.current_version
    [item] = [i for i in version.items if i["id"] == programme.key]
    assert item["kind"] == "audio" and item["title"] == programme.title and item["url"].endswith(".mp3")
    assert item["duration_s"] == pytest.approx(8.0, abs=0.2)
    with av.open(on_disk(item)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name.startswith("mp3") and stream.codec_context.channels == 1
    # The listing shows it with its loudness and an audio control.
    page = client.get(reverse("programmes:index")).content.decode()
    assert programme.title in page and "LUFS" in page and "<audio" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("anh.mp3", None, "ảnh"),
        ("rong.mp3", b"", "rỗng"),
        ("van-ban.mp3", "Đây là văn bản, không phải âm thanh.\n".encode() * 50, "âm thanh"),
    ],
)
def test_a_disguised_or_empty_upload_is_refused_with_a_reason_and_nothing_saved(
    client, commune, editor, tmp_path, name, content, reason
):
    if content is None:
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (64, 64), "red").save(buffer, "PNG")
        content = buffer.getvalue()
    response = add(client, editor, form(commune, SimpleUploadedFile(name, content, content_type="audio/mpeg")))
    assert response.status_code == 200
    page = response.content.decode()
    assert reason in page
    assert not Programme.objects.exists()


@pytest.mark.django_db
def test_a_cut_off_or_silent_upload_is_refused(client, commune, editor, tmp_path):
    whole = make_programme(tmp_path / "whole.mp3", seconds=20).read_bytes()
    cut = SimpleUploadedFile("bi-cat.mp3", whole[: len(whole) * 6 // 10], content_type="audio/mpeg")
    # A truncated MP3 still decodes, but shorter than its header says: refused as cut.
    response = add(client, editor, form(commune, cut))
    assert response.status_code == 200
    silent = upload(tmp_path, "im-lang.mp3", seconds=5, level_db=-120)
    response = add(client, editor, form(commune, silent))
    assert response.status_code == 200 and "im lặng" in response.content.decode()
    assert not Programme.objects.exists()


@pytest.mark.django_db
def test_a_district_programme_reaches_only_the_chosen_communes(
    client, commune, other_commune, district_editor, tmp_path
):
    mine, theirs = speakers(commune), speakers(other_commune, "Cụm loa Đông Hải")
    district = commune.get_parent().specific
    response = add(
        client,
        district_editor,
        form(district, upload(tmp_path, seconds=3), target_units=[commune.pk], priority="priority"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    programme = Programme.objects.get()
    assert any(i["id"] == programme.key for i in mine.current_version.items)
    assert theirs.current_version is None or all(i["id"] != programme.key for i in theirs.current_version.items)
    # "Nơi nhận": the commune's cluster holds it, waiting to be placed (a normal item from above).
    page = client.get(reverse("programmes:delivery", args=[programme.pk])).content.decode()
    assert "Cụm loa trung tâm xã" in page and "Cụm loa Đông Hải" not in page
    from boards.models import PlayRecord

    PlayRecord.objects.create(board=mine, item_id=programme.key, started_at=timezone.now(), duration_s=3.0)
    page = client.get(reverse("programmes:delivery", args=[programme.pk])).content.decode()
    assert "1 lần" in page and ("đã xếp lịch" in page or "chưa có khung giờ" in page)  # a priority item: placed
    # Another district's commune is not the district's to target.
    response = add(
        client, district_editor, form(district, upload(tmp_path, seconds=3), target_units=[other_commune.pk])
    )
    assert response.status_code == 200 and Programme.objects.count() == 1


@pytest.mark.django_db
def test_a_commune_editor_sees_and_touches_only_their_communes_programmes(
    client, commune, other_commune, editor, other_editor, tmp_path
):
    from django.test import Client

    add(Client(), other_editor, form(other_commune, upload(tmp_path, seconds=3), title="Chương trình của Đông Hải"))
    theirs = Programme.objects.get()
    client.force_login(editor)
    assert "Chương trình của Đông Hải" not in client.get(reverse("programmes:index")).content.decode()
    assert client.get(reverse("programmes:edit", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("programmes:delivery", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("programmes:delete", args=[theirs.pk])).status_code == 404
    # Nor can they make one in another commune's name.
    response = client.post(reverse("programmes:add"), form(other_commune, upload(tmp_path, seconds=3)))
    assert response.status_code == 200 and Programme.objects.count() == 1
    assert Programme.objects.filter(pk=theirs.pk).exists()


@pytest.mark.django_db
def test_deleting_a_programme_takes_it_off_the_clusters(client, commune, editor, tmp_path):
    cluster = speakers(commune)
    add(client, editor, form(commune, upload(tmp_path, seconds=3)))
    programme = Programme.objects.get()
    assert any(i["id"] == programme.key for i in cluster.current_version.items)
    response = client.post(reverse("programmes:delete", args=[programme.pk]))
    assert response.status_code == 302
    assert all(i["id"] != programme.key for i in cluster.current_version.items)
