"""The queue in the admin: overdue items first, then the nearest deadline, overdue rows tagged
"Quá hạn N ngày"; the dashboard lists an item once; photos private by default. Staff record a
question received by phone, in person or by letter ("Thêm câu hỏi/phản ánh"): the same code,
deadline, history and e-mail as a citizen's own, a receipt with the code, the citizen finds it
on the commune site; only for the communes of the user's units. Figures by channel, and the
rate of answers on time with the overdue unanswered items in its base."""

import csv
import datetime
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from areas.models import CommuneHomePage
from core.periods import Period
from core.working_days import deadline_for
from inquiries import stats
from inquiries.models import Channel, EventAction, Inquiry, QuestionIndexPage, Status

from .test_inquiry_admin import PASSWORD, host_of, listing, make_inquiry, public_path, staff, url
from .test_inquiry_stats import make

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(commune):
    return staff(
        commune, "editors", "bientap_an_truong_q", first_name="Lê Thị", last_name="Hoa", email="hoa@example.vn"
    )


@pytest.fixture
def district(commune):
    return commune.get_parent().specific


# --- The queue ----------------------------------------------------------------------------------------


def test_queue_lists_overdue_first_then_the_nearest_deadline(client, commune, editor):
    today = timezone.localdate()
    make_inquiry(commune, "Đã trả lời hôm qua", received_days_ago=3, status=Status.ANSWERED, answer="<p>Xong.</p>")
    make_inquiry(commune, "Còn xa hạn", received_days_ago=1, deadline_in_days=12)  # due in 11 days
    make_inquiry(commune, "Sắp đến hạn", received_days_ago=10, deadline_in_days=12)  # due in 2 days
    make_inquiry(commune, "Quá hạn ít", received_days_ago=16, deadline_in_days=14)  # 2 days late
    make_inquiry(commune, "Quá hạn lâu", received_days_ago=30, deadline_in_days=20)  # 10 days late
    make_inquiry(commune, "Mới nhận hôm nay")  # due in 10 days
    client.force_login(editor)

    html = listing(client)
    order = ["Quá hạn lâu", "Quá hạn ít", "Sắp đến hạn", "Mới nhận hôm nay", "Còn xa hạn", "Đã trả lời hôm qua"]
    positions = [html.index(title) for title in order]
    assert positions == sorted(positions), "overdue first, then the nearest deadline, then the handled ones"
    # The overdue rows are marked, with how late they are.
    assert "Quá hạn 10 ngày" in html and "Quá hạn 2 ngày" in html
    assert html.count('class="tincoso-overdue-row"') == 2
    row = re.search(r'<tr class="tincoso-overdue-row".*?</tr>', html, re.S).group(0)
    assert "Quá hạn lâu" in row and (today - datetime.timedelta(days=10)).strftime("%d/%m/%Y") in row

    # A column the user sorts by still wins.
    html = listing(client, ordering="-received_at")
    assert html.index("Mới nhận hôm nay") < html.index("Quá hạn lâu")


def test_dashboard_lists_an_item_once(client, commune, editor):
    late = make_inquiry(commune, "Phản ánh đèn đường hỏng đã lâu", received_days_ago=20, deadline_in_days=14)
    fresh = make_inquiry(commune, "Hỏi lịch tiêm chủng tháng này")
    client.force_login(editor)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    panel = home[home.index('id="tincoso-inquiries-section"') :]
    assert panel.count(late.title) == 1  # under "Quá hạn trả lời", not again under "Mới nhận"
    assert panel.count(fresh.title) == 1
    assert "Quá hạn 6 ngày" in panel
    assert panel.index(late.title) < panel.index("Mới nhận, chờ xử lý") < panel.index(fresh.title)


def test_photos_are_not_public_unless_chosen(client, commune, editor):
    inquiry = make_inquiry(commune, "Ảnh bãi rác ven sông")
    assert inquiry.publish_photos is False
    client.force_login(editor)
    field = client.get(url("edit", inquiry.pk)).context["form"]["publish_photos"]
    assert 'name="publish_photos"' in str(field) and "checked" not in str(field)


# --- Recording a question received by phone, in person or by letter ---------------------------------


def record_data(commune, **overrides):
    data = {
        "commune": commune.pk,
        "channel": Channel.PHONE,
        "kind": "hoi_dap",
        "topic": "dat_dai",
        "title": "Hỏi qua điện thoại về tách thửa đất",
        "body": "Ông Tư gọi điện hỏi thủ tục tách thửa đất ở ấp Giồng Cao, cần giấy tờ gì và nộp ở đâu.",
        "location": "",
        "name": "Nguyễn Văn Tư",
        "phone": "0903 111 222",
        "email": "",
        "consent": "on",
        "submission_key": "khoa-mau-ghi-nhan-0001",
    }
    for name, value in overrides.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_commune_editor_records_a_phone_question_and_gets_its_code(
    client, settings, commune, other_commune, editor, django_capture_on_commit_callbacks
):
    settings.TASKS_SYNC = True
    colleague = staff(commune, "moderators", "kiemduyet_an_truong_q", email="kiemduyet@example.vn")
    client.force_login(editor)
    # The button on the queue and the menu item.
    index = client.get(url("index")).content.decode()
    assert "Thêm câu hỏi/phản ánh" in index and url("add") in index

    form = client.get(url("add"))
    assert form.status_code == 200
    fields = form.context["form"].fields
    assert list(fields["commune"].queryset) == [commune]  # only their own commune
    assert [value for value, _ in fields["channel"].choices] == ["dien_thoai", "truc_tiep", "thu"]
    assert form.context["form"].initial["commune"] == commune.pk

    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("add"), record_data(commune))
    assert response.status_code == 302, response.content.decode()[:3000]
    inquiry = Inquiry.objects.get(title="Hỏi qua điện thoại về tách thửa đất")
    assert response["Location"] == url("receipt", inquiry.pk)
    assert inquiry.channel == Channel.PHONE and inquiry.recorded_by == editor
    assert inquiry.commune == commune and inquiry.status == Status.RECEIVED
    assert inquiry.phone == "0903111222" and len(inquiry.code) == 10
    assert inquiry.deadline == deadline_for(inquiry.received_at) and inquiry.received_at >= before
    event = inquiry.events.get()
    assert (event.action, event.actor, event.note) == (EventAction.RECEIVED, editor, "Điện thoại")
    assert ModelLogEntry.objects.filter(object_id=str(inquiry.pk), action="wagtail.create", user=editor).exists()
    # The commune's staff are e-mailed, as for a question sent online.
    assert {address for message in mail.outbox for address in message.to} == {"hoa@example.vn", colleague.email}
    assert all(inquiry.display_code in message.body for message in mail.outbox)

    # The receipt: the code to give the citizen, and a sheet to print with the look-up address.
    receipt = client.get(response["Location"])
    assert receipt.status_code == 200
    page = receipt.content.decode()
    assert f'data-code="{inquiry.code}"' in page and inquiry.display_code in page
    assert "Điện thoại" in page and inquiry.deadline.strftime("%d/%m/%Y") in page
    assert "Đã ghi nhận" in page  # the success message, with the code
    printed = client.get(url("receipt_print", inquiry.pk)).content.decode()
    assert "PHIẾU TIẾP NHẬN CÂU HỎI, PHẢN ÁNH" in printed and "ỦY BAN NHÂN DÂN<br>XÃ AN TRƯỜNG" in printed
    assert inquiry.display_code in printed and "Nguyễn Văn Tư" in printed
    assert f"tra-cuu/?ma={inquiry.code}" in printed and "data:image/svg+xml;base64," in printed

    # The citizen finds it on the commune's site with the code.
    index_page = QuestionIndexPage.objects.child_of(commune).get()
    found = client.get(
        public_path(index_page) + "tra-cuu/", {"ma": inquiry.display_code.lower()}, HTTP_HOST=host_of(commune)
    )
    assert found.status_code == 200
    assert inquiry.title in found.content.decode() and "Đã tiếp nhận" in found.content.decode()
    assert "0903111222" not in found.content.decode()

    # The same form sent twice (a double click) is one question.
    assert client.post(url("add"), record_data(commune)).status_code == 302
    assert Inquiry.objects.filter(title=inquiry.title).count() == 1

    # Another commune is not theirs to record for, nor its receipts to read.
    refused = client.post(url("add"), record_data(other_commune, submission_key="khoa-mau-ghi-nhan-0002"))
    assert refused.status_code == 200 and refused.context["form"].errors.get("commune")
    assert not Inquiry.objects.filter(commune=other_commune).exists()
    foreign = make_inquiry(other_commune, "Câu hỏi của Đông Hải")
    assert client.get(url("receipt", foreign.pk)).status_code == 404
    assert client.get(url("receipt_print", foreign.pk)).status_code == 404


def test_recording_refuses_bad_input_in_vietnamese_and_keeps_what_was_typed(client, commune, editor):
    client.force_login(editor)
    response = client.post(
        url("add"),
        record_data(commune, consent=None, phone="12345", title="Hỏi", body="Ngắn quá", channel="truc_tuyen"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Cần hỏi và ghi nhận sự đồng ý của người dân trước khi lưu." in errors["consent"]
    assert "Số điện thoại không hợp lệ (ví dụ: 0912 345 678)." in errors["phone"]
    assert "quá ngắn (ít nhất 5 ký tự)" in errors["title"][0]
    assert "quá ngắn (ít nhất 20 ký tự)" in errors["body"][0]
    assert errors.get("channel")  # "online" is the citizens' own form, not recorded by staff
    html = response.content.decode()
    assert "Ông Tư gọi điện hỏi thủ tục" not in html  # the body was too short: what was typed is shown
    assert "Ngắn quá" in html and "Nguyễn Văn Tư" in html
    assert not Inquiry.objects.exists()


def test_district_staff_record_for_their_communes_only(client, commune, other_commune, district):
    district_editor = staff(district, "editors", "bientap_cang_long_q")
    neighbour = CommuneHomePage.objects.sibling_of(commune, inclusive=False).order_by("path").first()
    client.force_login(district_editor)
    choices = set(client.get(url("add")).context["form"].fields["commune"].queryset)
    assert {commune, neighbour} <= choices and other_commune not in choices
    response = client.post(url("add"), record_data(neighbour, channel=Channel.LETTER))
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.commune == neighbour and inquiry.channel == Channel.LETTER
    # The commune's own editor handles it like any other.
    client.force_login(staff(neighbour))
    assert inquiry.title in listing(client)


def test_users_without_a_unit_cannot_record(client, commune):
    group = Group.objects.create(name="Quyền hỏi đáp không đơn vị")
    group.permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "view_inquiry", "change_inquiry", "add_inquiry"])
    )
    user = get_user_model().objects.create_user("khong_don_vi_q", password=PASSWORD)
    user.groups.add(group)
    client.force_login(user)
    assert client.get(url("add")).status_code == 403
    assert client.post(url("add"), record_data(commune)).status_code == 403
    assert not Inquiry.objects.exists()
    # A unit's editor without the add permission (removed by an administrator) cannot either.
    editor = staff(commune, "editors", "bientap_khong_them")
    commune.editors_group.permissions.remove(Permission.objects.get(codename="add_inquiry"))
    client.force_login(editor)
    assert client.get(url("add")).status_code == 403
    assert "Thêm câu hỏi/phản ánh" not in listing(client)


# --- Figures: by channel, and on time among answered + overdue -----------------------------------------


VN = datetime.timezone(datetime.timedelta(hours=7))
Q3 = Period.quarter(2025, 3)


def at(y, m, d, hh=9):
    return datetime.datetime(y, m, d, hh, tzinfo=VN)


@pytest.fixture
def by_channel(commune):
    """Q3 2025 in An Trường (cut-off 30/9): 2 answered on time, 1 late, 1 overdue unanswered."""
    d = datetime.date

    def item(channel, received, deadline, answered=None):
        status = Status.ANSWERED if answered else Status.RECEIVED
        return make(commune, received, deadline, status, answered=answered, channel=channel)

    return [
        item(Channel.ONLINE, at(2025, 7, 1), d(2025, 7, 15), at(2025, 7, 3)),  # on time
        item(Channel.PHONE, at(2025, 8, 4), d(2025, 8, 18), at(2025, 8, 5)),  # on time
        item(Channel.PHONE, at(2025, 8, 4), d(2025, 8, 18), at(2025, 8, 25)),  # late
        item(Channel.LETTER, at(2025, 9, 1), d(2025, 9, 15)),  # overdue at 30/9, unanswered
    ]


def test_on_time_counts_overdue_unanswered_items_in_its_base(by_channel, commune):
    figures = stats.figures(Inquiry.objects.all(), Q3, today=datetime.date(2025, 12, 1))[commune.pk]
    assert (figures.answered, figures.answered_on_time, figures.answered_late, figures.overdue) == (3, 2, 1, 1)
    assert figures.on_time_base == 4 and figures.on_time_parts == (2, 4)
    assert figures.on_time_rate == 0.5  # not 2/3: the letter left unanswered counts against it
    assert stats.display(figures.on_time_parts, "parts") == "2 / 4"
    assert stats.display((489, 674), "parts") == "489 / 674"
    assert stats.display((0, 0), "parts") == "–"
    assert stats.display((1234, 2000), "parts") == "1.234 / 2.000"


def test_figures_by_channel(by_channel, commune, client, editor):
    table, total = stats.rows_by_channel(Inquiry.objects.all(), Q3, today=datetime.date(2025, 12, 1))
    lines = {line.code: figures for line, figures in table}
    assert [line.title for line, _ in table] == ["Trực tuyến", "Điện thoại", "Trực tiếp", "Thư"]
    assert (lines["truc_tuyen"].received, lines["truc_tuyen"].answered_on_time) == (1, 1)
    assert (lines["dien_thoai"].received, lines["dien_thoai"].answered, lines["dien_thoai"].on_time_rate) == (2, 2, 0.5)
    assert lines["truc_tiep"] == stats.Figures()
    assert (lines["thu"].overdue, lines["thu"].on_time_rate) == (1, 0.0)
    assert (total.received, total.on_time_parts) == (4, (2, 4))

    # In the report, a table by channel beside the table by commune.
    client.force_login(editor)
    response = client.get(reverse("tincoso_inquiry_stats"), {"ky": "2025-Q3"})
    rows = {row["code"]: row["cells"] for row in response.context["channel_rows"]}
    assert rows["dien_thoai"][:5] == ["2", "2", "1", "1", "0"] and rows["dien_thoai"][-2:] == ["50,0%", "1 / 2"]
    assert rows["thu"][4] == "1" and rows["thu"][-2:] == ["0,0%", "0 / 1"]
    html = response.content.decode()
    assert "Theo kênh tiếp nhận" in html and '<tr data-channel="thu">' in html

    # And in the command, in the table and the CSV.
    out = io.StringIO()
    target = io.StringIO()
    call_command("inquiry_stats", period="2025-Q3", code=commune.code, by_channel=True, stdout=out)
    text = out.getvalue()
    assert re.search(r"^Kênh\s+Tiếp nhận", text, re.M)
    phone = next(line for line in text.splitlines() if line.startswith("Điện thoại "))
    assert phone.split()[2:7] == ["2", "2", "1", "1", "0"] and phone.split()[-4:] == ["50,0%", "1", "/", "2"]
    assert "Số xã: 1." in text
    stats.write_csv(target, table, total)
    exported = list(csv.reader(io.StringIO(target.getvalue()[1:])))
    assert exported[2][:4] == ["dien_thoai", "Điện thoại", "2", "2"]
