"""Every link in an e-mail goes to the host of the site it concerns, and people are addressed by
their one full name ("Kính gửi ông/bà Trần Văn Minh"): the commune's editors get a new question
with a link to the admin on the commune's host (the district's portal host once the district
takes it up, the new commune's after a transfer); the citizen gets the answer with a link to
the commune site's lookup page; a board's unit hears of its outage on its own host. Links are
followed to check they open what they say."""

import datetime
import re
import uuid
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from areas.models import AreaPage, CommuneHomePage
from boards.models import Board, BoardStatus
from boards.monitoring import check_boards
from inquiries.handling import notify_received, save_handling, submit, take_up, transfer

PASSWORD = "Mat-khau-thu-2026"


@pytest.fixture(autouse=True)
def _sync_tasks(settings, tmp_path):
    settings.TASKS_SYNC = True
    settings.MEDIA_ROOT = str(tmp_path / "media")


def person(unit, username, role="editors", **fields):
    user = get_user_model().objects.create_user(username, password=PASSWORD, **fields)
    user.groups.add(getattr(unit, f"{role}_group"))
    return user


def host_of(page):
    """'an-truong.cang-long.tra-vinh.localhost:8000': the unit's Site (an area's: its portal's)."""
    home = page.portal if isinstance(page, AreaPage) else page
    site = home.get_site()
    return f"{site.hostname}:{site.port}"


def links(message):
    return [urlsplit(link) for link in re.findall(r"https?://\S+", message.body)]


def ask(commune, capture, **fields):
    data = {
        "kind": "hoi_dap",
        "topic": "dat_dai",
        "title": "Hỏi về cấp đổi giấy chứng nhận quyền sử dụng đất",
        "body": "Gia đình tôi muốn cấp đổi sổ đỏ cũ sang mẫu mới thì cần những giấy tờ gì?",
        "name": "Nguyễn Văn Ba",
        "phone": "",
        "email": "ba@example.vn",
        **fields,
    }
    with capture(execute=True):
        inquiry, _created = submit(commune, data, [], submission_key=uuid.uuid4().hex, key="khoa-thu")
    return inquiry


@pytest.mark.django_db
def test_the_communes_staff_each_get_their_own_mail_by_name_with_the_communes_host(
    client, commune, other_commune, django_capture_on_commit_callbacks
):
    minh = person(commune, "bt-minh", email="minh@antruong.gov.vn", first_name="Trần Văn", last_name="Minh")
    minh.groups.add(commune.moderators_group)  # in both groups: still one e-mail
    person(commune, "kd-khong-ten", "moderators", email="kiemduyet@antruong.gov.vn")
    person(other_commune, "bt-dong-hai-thu", email="bt@donghai.gov.vn")

    inquiry = ask(commune, django_capture_on_commit_callbacks)

    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["kiemduyet@antruong.gov.vn", "minh@antruong.gov.vn"]
    assert all(len(message.to) == 1 for message in mail.outbox)  # nobody sees the others' addresses
    named = by_address["minh@antruong.gov.vn"].body
    assert named.startswith("Kính gửi ông/bà Trần Văn Minh,") and "Xin chào" not in named
    assert by_address["kiemduyet@antruong.gov.vn"].body.startswith("Kính gửi Ban biên tập Xã An Trường,")
    for message in mail.outbox:
        assert [(link.netloc, link.path) for link in links(message)] == [
            (host_of(commune), f"/admin/hoi-dap/edit/{inquiry.pk}/")
        ]
    assert host_of(commune).startswith("an-truong.cang-long.tra-vinh.")
    # The link opens the question for its editor, on that host.
    client.force_login(minh)
    opened = client.get(f"/admin/hoi-dap/edit/{inquiry.pk}/", HTTP_HOST=host_of(commune))
    assert opened.status_code == 200 and inquiry.title in opened.content.decode()


@pytest.mark.django_db
def test_a_question_taken_up_or_transferred_links_to_its_new_handlers_host(
    district, commune, django_capture_on_commit_callbacks
):
    neighbour = CommuneHomePage.objects.get(structure="2024", code="29269")  # Xã Mỹ Cẩm, same district
    person(district, "bt-cang-long-thu", email="huyen@canglong.gov.vn", first_name="Lê Thị", last_name="Thu")
    person(neighbour, "bt-my-cam-thu", email="bt@mycam.gov.vn", first_name="Phạm Văn", last_name="Năm")
    official = person(district, "kd-cang-long-thu", "moderators")
    inquiry = ask(commune, django_capture_on_commit_callbacks)

    mail.outbox.clear()
    take_up(inquiry, district, official)
    notify_received(inquiry.pk)
    assert [m.to for m in mail.outbox] == [["huyen@canglong.gov.vn"]]
    assert mail.outbox[0].body.startswith("Kính gửi ông/bà Lê Thị Thu,")
    assert [link.netloc for link in links(mail.outbox[0])] == [host_of(district)]
    assert host_of(district).startswith("cang-long.tra-vinh.")

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        transfer(inquiry, neighbour, official)
    assert [m.to for m in mail.outbox] == [["bt@mycam.gov.vn"]]
    assert mail.outbox[0].body.startswith("Kính gửi ông/bà Phạm Văn Năm,")
    assert [link.netloc for link in links(mail.outbox[0])] == [host_of(neighbour)]


@pytest.mark.django_db
def test_the_citizen_is_addressed_by_name_and_linked_to_the_communes_site(
    client, commune, django_capture_on_commit_callbacks
):
    inquiry = ask(commune, django_capture_on_commit_callbacks, name="Trần Thị Bích Ngọc", email="ngoc@example.vn")
    official = person(commune, "bt-tra-loi")
    mail.outbox.clear()
    previous = {"status": inquiry.status, "deadline": inquiry.deadline}
    inquiry.answer = "<p>Mang giấy chứng nhận cũ đến bộ phận một cửa của xã.</p>"
    inquiry.is_public = True
    with django_capture_on_commit_callbacks(execute=True):
        save_handling(inquiry, official, {"answer", "is_public"}, previous)

    assert [m.to for m in mail.outbox] == [["ngoc@example.vn"]]
    body = mail.outbox[0].body
    assert body.startswith("Kính gửi ông/bà Trần Thị Bích Ngọc,")
    [link] = links(mail.outbox[0])
    assert (link.netloc, link.path, link.query) == (host_of(commune), "/hoi-dap/tra-cuu/", f"ma={inquiry.code}")
    # It opens the answer on the commune's site.
    page = client.get(link.path, {"ma": inquiry.code}, HTTP_HOST=link.netloc).content.decode()
    assert "Mang giấy chứng nhận cũ" in page


@pytest.mark.django_db
def test_a_boards_outage_is_told_by_name_on_its_units_host(district, commune):
    person(commune, "bt-bang", email="bang@antruong.gov.vn", first_name="Võ Minh", last_name="Tuấn")
    person(district, "bt-bang-huyen", email="bang@canglong.gov.vn")
    market = Board.objects.create(owner=commune, name="Bảng chợ An Trường", width=384, height=192, refresh_seconds=300)
    centre = Board.objects.create(
        owner=district, name="Bảng LED trung tâm huyện", width=1920, height=1080, refresh_seconds=300
    )
    seen = timezone.now() - datetime.timedelta(hours=2)
    for board in (market, centre):
        BoardStatus.objects.create(board=board, last_seen_at=seen)

    check_boards()

    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["bang@antruong.gov.vn", "bang@canglong.gov.vn"]
    ours = by_address["bang@antruong.gov.vn"]
    assert ours.body.startswith("Kính gửi ông/bà Võ Minh Tuấn,") and "Bảng chợ An Trường" in ours.body
    assert [(link.netloc, link.path) for link in links(ours)] == [(host_of(commune), "/admin/bang-dien-tu-giam-sat/")]
    theirs = by_address["bang@canglong.gov.vn"]
    assert theirs.body.startswith("Kính gửi Ban biên tập Huyện Càng Long,")
    assert [link.netloc for link in links(theirs)] == [host_of(district)]
