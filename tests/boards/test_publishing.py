"""From content to playlist versions: publishing reaches only its own commune's boards, through
the task queue; unchanged content renders nothing again; an emergency pre-empts; an expiry
recomposes by the clock; a broken item is skipped and recorded; video boards get an H.264 file."""

import datetime
import io
import os

import pytest
from django.conf import settings
from django.core.files.images import ImageFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images import get_image_model

from boards.models import Board, PlaylistVersion, RenderProblem
from boards.publishing import boards_reached_by, rebuild
from boards.tasks import rebuild_due
from tests.factories import announcement, news


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True


def board(owner, width=1920, height=1080, **fields):
    return Board.objects.create(
        owner=owner, name=f"Bảng {owner.title} {width}×{height}", width=width, height=height, **fields
    )


def picture(title="Ảnh cánh đồng"):
    buffer = io.BytesIO()
    PILImage.new("RGB", (800, 450), (40, 140, 60)).save(buffer, "JPEG")
    return get_image_model().objects.create(title=title, file=ImageFile(buffer, name="canh-dong.jpg"))


def publish_in_commit(capture, function, *args, **kwargs):
    with capture(execute=True):
        return function(*args, **kwargs)


@pytest.mark.django_db
def test_publishing_recomposes_only_the_boards_it_reaches(commune, other_commune, django_capture_on_commit_callbacks):
    ours, theirs = board(commune), board(other_commune, 384, 192)
    notice = publish_in_commit(django_capture_on_commit_callbacks, announcement, commune, "Lịch tiêm chủng tháng 12")
    item = publish_in_commit(
        django_capture_on_commit_callbacks, news, commune, "Ra quân làm đường giao thông", featured_image=picture()
    )
    version = ours.current_version
    assert version is not None and version.number == 2  # one per publish
    # Same priority class: newest first (the news was published now, the notice valid since an hour ago).
    assert [i["id"] for i in version.items] == [f"news:{item.pk}", f"announcement:{notice.pk}"]
    for entry in version.items:
        on_disk = os.path.join(settings.MEDIA_ROOT, entry["url"].removeprefix(settings.MEDIA_URL))
        assert os.path.getsize(on_disk) == entry["bytes"] and entry["sha256"] in on_disk
        with PILImage.open(on_disk) as png:
            assert png.size == (1920, 1080)
    assert theirs.current_version is None  # Đông Hải's board was not touched
    assert list(boards_reached_by(item)) == [ours]


@pytest.mark.django_db
def test_nothing_changed_nothing_rendered(commune):
    ours = board(commune, 384, 192)
    announcement(commune, "Thông báo họp dân")
    first, created, rendered, problems = rebuild(ours)
    assert created and rendered == 1 and not problems
    again, created, rendered, _ = rebuild(ours)
    assert again.pk == first.pk and not created and rendered == 0
    # Another board of the same size reuses the rendered slide.
    twin = board(commune, 384, 192)
    _v, created, rendered, _ = rebuild(twin)
    assert created and rendered == 0


@pytest.mark.django_db
def test_an_emergency_pre_empts_and_expiry_recomposes_by_the_clock(commune):
    ours = board(commune)
    # A fixed clock at 10:00 local, so local midnight (a change for slides that show the date)
    # is not the next change whatever time the suite runs.
    now = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    announcement(commune, "Thông báo thu gom rác", valid_from=now - datetime.timedelta(days=1))
    storm = announcement(
        commune,
        "Khẩn cấp: bão số 9 đổ bộ",
        priority="emergency",
        valid_from=now - datetime.timedelta(hours=1),
        valid_until=now + datetime.timedelta(hours=2),
    )
    version, *_ = rebuild(ours, now=now)
    assert version.emergency and [i["id"] for i in version.items] == [f"announcement:{storm.pk}"]
    ours.refresh_from_db()
    assert ours.recompose_at == storm.valid_until
    # Two hours later the every-minute task finds the board due and the emergency is gone.
    later, created, *_ = rebuild(ours, now=now + datetime.timedelta(hours=2, minutes=1))
    assert created and not later.emergency and len(later.items) == 1
    assert later.items[0]["title"] == "Thông báo thu gom rác"


@pytest.mark.django_db
def test_rebuild_due_takes_only_boards_whose_time_has_come(commune):
    due, not_due = board(commune, 384, 192), board(commune, 192, 96)
    announcement(commune, "Thông báo lịch cắt điện")
    Board.objects.filter(pk=due.pk).update(recompose_at=timezone.now() - datetime.timedelta(minutes=1))
    Board.objects.filter(pk=not_due.pk).update(recompose_at=timezone.now() + datetime.timedelta(hours=1))
    assert rebuild_due() == [due.pk]  # run at once here (TASKS_SYNC)
    assert due.current_version is not None and not_due.current_version is None


@pytest.mark.django_db
def test_a_broken_item_is_skipped_and_recorded_the_rest_plays(commune):
    ours = board(commune)
    announcement(commune, "Thông báo nghỉ lễ")
    image = picture("Ảnh hỏng")
    with open(image.file.path, "wb") as handle:
        handle.write(b"not a picture at all")
    news(commune, "Tin có ảnh hỏng", featured_image=image)
    version, created, _rendered, problems = rebuild(ours)
    assert created and [i["title"] for i in version.items] == ["Thông báo nghỉ lễ"]
    assert len(problems) == 1
    problem = RenderProblem.objects.get(board=ours)
    assert problem.title == "Tin có ảnh hỏng" and problem.message


@pytest.mark.django_db
def test_video_boards_get_the_playlist_as_h264(commune):
    from boards.video import probe

    ours = board(commune, 384, 192, output="both", default_slide_seconds=4)
    announcement(commune, "Thông báo một")
    announcement(commune, "Thông báo hai")
    version, *_ = rebuild(ours)
    assert version.video is not None
    with open(os.path.join(settings.MEDIA_ROOT, version.video.path), "rb") as handle:
        info = probe(handle.read())
    assert info["codec"] == "h264" and (info["width"], info["height"]) == (384, 192)
    assert abs(info["duration"] - 8.0) < 0.1


@pytest.mark.django_db
def test_render_boards_command(commune):
    ours = board(commune, 384, 192)
    announcement(commune, "Thông báo họp tổ dân phố")
    out, err = io.StringIO(), io.StringIO()
    call_command("render_boards", no_progress=True, stdout=out, stderr=err)
    assert "1 danh sách phát mới" in out.getvalue()
    assert PlaylistVersion.objects.filter(board=ours).count() == 1
    with pytest.raises(CommandError, match="Không có bảng điện tử mã 999999"):
        call_command("render_boards", board=[999999], no_progress=True, stdout=out)


@pytest.mark.django_db
def test_an_uploaded_picture_plays_in_its_daypart_only(commune):
    from zoneinfo import ZoneInfo

    from boards.models import MediaSlide

    ours = board(commune, 1080, 1920)
    monday_morning = datetime.datetime(2026, 11, 23, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    poster = MediaSlide.objects.create(
        owner=commune,
        title="Áp phích ngày hội đại đoàn kết",
        image=picture("Áp phích"),
        valid_from=monday_morning - datetime.timedelta(days=1),
        weekdays="0,1,2,3,4",
        daily_start=datetime.time(6),
        daily_end=datetime.time(11),
        duration_seconds=15,
    )
    morning, *_ = rebuild(ours, now=monday_morning)
    assert [(i["id"], i["duration_s"]) for i in morning.items] == [(f"media:{poster.pk}", 15.0)]
    evening, created, *_ = rebuild(ours, now=monday_morning + datetime.timedelta(hours=10))
    assert created and evening.items == []
    ours.refresh_from_db()
    assert ours.recompose_at == monday_morning.replace(day=24, hour=6, minute=0)  # Tuesday 06:00


@pytest.mark.django_db
def test_unpublishing_takes_the_item_off_through_the_queue(commune, django_capture_on_commit_callbacks):
    ours = board(commune, 384, 192)
    keep = publish_in_commit(django_capture_on_commit_callbacks, announcement, commune, "Thông báo giữ lại")
    gone = publish_in_commit(django_capture_on_commit_callbacks, announcement, commune, "Thông báo sẽ gỡ")
    assert {i["id"] for i in ours.current_version.items} == {f"announcement:{keep.pk}", f"announcement:{gone.pk}"}
    with django_capture_on_commit_callbacks(execute=True):
        gone.unpublish()
    assert [i["id"] for i in ours.current_version.items] == [f"announcement:{keep.pk}"]


def _document(title, data, name):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    return get_document_model().objects.create(title=title, file=ContentFile(data, name=name))


def _mp4v_clip(path):
    """An MPEG-4 Part 2 clip (OpenCV's own encoder): a real video, but not H.264."""
    import cv2
    import numpy as np

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25, (64, 64))
    for n in range(50):
        writer.write(np.full((64, 64, 3), n * 5, dtype=np.uint8))
    writer.release()
    return path.read_bytes()


@pytest.mark.django_db
def test_an_uploaded_video_clip_is_checked_by_content_and_plays_as_it_is(
    commune, tmp_path, django_capture_on_commit_callbacks
):
    import hashlib

    from django.core.exceptions import ValidationError
    from PIL import Image as PILImage

    from boards.models import MediaSlide
    from boards.video import encode_playlist_video

    ours = board(commune, 384, 192)
    clip = encode_playlist_video([(PILImage.new("RGB", (384, 192), (200, 30, 30)), 4.0)], 384, 192)
    with django_capture_on_commit_callbacks(execute=True):  # saving a slide recomposes the unit's boards
        slide = MediaSlide(
            owner=commune, title="Phim tuyên truyền an toàn giao thông", video=_document("Phim ATGT", clip, "atgt.mp4")
        )
        slide.full_clean()
        slide.save()
    assert slide.duration_seconds == 4  # read from the clip
    item = ours.current_version.items[0]
    assert (item["id"], item["kind"], item["sha256"]) == (
        f"media:{slide.pk}",
        "video",
        hashlib.sha256(clip).hexdigest(),
    )
    # Not a video, or a video the boards cannot play: refused by content, whatever the name.
    for data, name, message in (
        (b"MZ\x90\x00 not a video at all" * 100, "virus.mp4", "Không đọc được video"),
        (_mp4v_clip(tmp_path / "cu.mp4"), "cu.mp4", "H.264"),
    ):
        bad = MediaSlide(owner=commune, title="Tệp hỏng", video=_document("Tệp hỏng", data, name))
        with pytest.raises(ValidationError) as raised:
            bad.full_clean()
        assert message in str(raised.value.message_dict["video"])
    # Deleting the slide takes it off the boards.
    with django_capture_on_commit_callbacks(execute=True):
        slide.delete()
    assert ours.current_version.items == []


@pytest.mark.django_db
def test_text_that_cannot_fit_plays_cut_and_the_editor_is_told(commune):
    tiny = board(commune, 192, 96)
    announcement(
        commune,
        (
            "Thông báo về việc tổ chức lấy ý kiến nhân dân đối với dự thảo quy hoạch sử dụng đất "
            "giai đoạn 2026–2030 của xã và kế hoạch sử dụng đất hằng năm trên địa bàn toàn xã, "
            "các thôn, ấp và khu dân cư có liên quan"
        )[:250],
    )
    version, _created, _rendered, problems = rebuild(tiny)
    assert len(version.items) == 1  # it still plays
    assert any("bị cắt bớt" in message and "192×96" in message for _c, message in problems)
    assert RenderProblem.objects.filter(board=tiny, message__contains="bị cắt bớt").exists()


@pytest.mark.django_db
def test_the_slides_qr_code_decodes_to_the_page_on_its_commune_site(commune):
    import cv2

    screen = board(commune, 1920, 1080)
    notice = announcement(commune, "Lịch thu gom rác thải sinh hoạt tháng 12")
    entry = rebuild(screen)[0].items[0]
    image = cv2.imread(os.path.join(settings.MEDIA_ROOT, entry["url"].removeprefix(settings.MEDIA_URL)))
    decoded, _points, _straight = cv2.QRCodeDetector().detectAndDecode(image)
    assert decoded == notice.full_url
    assert decoded.startswith("http://an-truong.cang-long.tra-vinh.localhost")
