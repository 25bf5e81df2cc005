"""The broadcast log (nhật ký phát thanh, issue 16): every airing of the user's clusters from
the players' proof of play, with what aired, its kind and source unit, start and end; filtered
by cluster, dates and kind; exported as CSV, XLSX and PDF under the commune's header. A commune
editor sees only their commune's clusters, in the page and in every export."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from boards.models import Board, PlayRecord
from station.models import Programme, ProgrammeState
from tests.factories import announcement, push

PASSWORD = "x-Strong-pass-123"


@pytest.fixture
def editor(commune):
    user = get_user_model().objects.create_user("bt_nhatky_an_truong", password=PASSWORD)
    user.groups.add(commune.editors_group)
    return user


@pytest.fixture
def airings(commune, other_commune, district):
    """Two clusters of An Trường and one of Đông Hải, with plays of a programme, an announcement
    read aloud and a district's source item, yesterday and today."""
    now = timezone.now().replace(microsecond=0)
    centre = Board.objects.create(owner=commune, name="Cụm loa trung tâm xã", kind="audio")
    hamlet = Board.objects.create(owner=commune, name="Cụm loa ấp Cao Một", kind="audio")
    theirs = Board.objects.create(owner=other_commune, name="Cụm loa Đông Hải", kind="audio")
    programme = Programme.objects.create(
        owner=district, title="Chương trình thời sự huyện Càng Long", state=ProgrammeState.READY
    )
    notice = announcement(commune, "Thông báo tiêm chủng mở rộng tháng 12")
    source = push(district, "Hướng dẫn phòng chống rét đậm", communes=[commune])
    rows = [
        (centre, programme.key, now - datetime.timedelta(hours=2), 1800.0),
        (centre, f"announcement:{notice.pk}", now - datetime.timedelta(hours=1), 42.5),
        (hamlet, f"pushed:{source.pk}", now - datetime.timedelta(days=1), 61.0),
        (theirs, programme.key, now - datetime.timedelta(hours=3), 1800.0),
        (centre, "announcement:999999", now - datetime.timedelta(days=20), 10.0),  # outside the default week
    ]
    for board, item, started, seconds in rows:
        PlayRecord.objects.create(board=board, item_id=item, started_at=started, duration_s=seconds)
    return {
        "centre": centre,
        "hamlet": hamlet,
        "theirs": theirs,
        "programme": programme,
        "notice": notice,
        "source": source,
        "now": now,
    }


@pytest.mark.django_db
def test_the_log_lists_each_airing_with_its_title_kind_source_and_times(client, editor, airings, commune, district):
    client.force_login(editor)
    response = client.get(reverse("station_log"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<strong>3</strong> lượt phát" in page  # the week's airings of An Trường's two clusters
    assert "Chương trình thời sự huyện Càng Long" in page and district.title in page
    assert "Thông báo tiêm chủng mở rộng tháng 12" in page and "Thông báo (đọc tự động)" in page
    assert "Hướng dẫn phòng chống rét đậm" in page and "Thông tin nguồn (đọc tự động)" in page
    assert "Cụm loa Đông Hải" not in page  # another commune's cluster
    assert "30:00" in page  # the programme's half hour
    start = timezone.localtime(airings["now"] - datetime.timedelta(hours=2))
    assert f"{start:%H:%M:%S %d/%m/%Y}" in page


@pytest.mark.django_db
def test_filters_by_cluster_dates_and_kind(client, editor, airings):
    client.force_login(editor)
    only = client.get(reverse("station_log"), {"cum": airings["hamlet"].pk}).content.decode()
    assert "<strong>1</strong> lượt phát" in only and "rét đậm" in only
    programmes = client.get(reverse("station_log"), {"loai": "programme"}).content.decode()
    assert "<strong>1</strong> lượt phát" in programmes
    today = timezone.localdate()
    month = client.get(reverse("station_log"), {"tu": f"{today - datetime.timedelta(days=30)}"}).content.decode()
    assert "<strong>4</strong> lượt phát" in month and "(đã xoá) announcement:999999" in month
    # Bad dates: a message, not a 500; swapped dates are put right.
    bad = client.get(reverse("station_log"), {"tu": "hôm qua"})
    assert bad.status_code == 200 and "Ngày không hợp lệ" in bad.content.decode()
    swapped = client.get(reverse("station_log"), {"tu": f"{today}", "den": f"{today - datetime.timedelta(days=6)}"})
    assert "đã đổi chỗ" in swapped.content.decode() and "<strong>3</strong> lượt phát" in swapped.content.decode()


@pytest.mark.django_db
def test_another_communes_cluster_is_a_404_in_the_page_and_the_exports(client, editor, airings):
    client.force_login(editor)
    theirs = airings["theirs"].pk
    assert client.get(reverse("station_log"), {"cum": theirs}).status_code == 404
    assert client.get(reverse("station_log"), {"cum": theirs, "dinh_dang": "csv"}).status_code == 404
    csv_text = client.get(reverse("station_log"), {"dinh_dang": "csv"}).content.decode("utf-8-sig")
    assert "Cụm loa Đông Hải" not in csv_text


@pytest.mark.django_db
def test_csv_and_xlsx_hold_the_airings(client, editor, airings):
    client.force_login(editor)
    response = client.get(reverse("station_log"), {"dinh_dang": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Cụm loa,Đơn vị quản lý cụm,Nội dung,Loại,Nguồn,Bắt đầu")
    assert len(lines) == 4 and any("Chương trình thời sự huyện Càng Long" in line and "30:00" in line for line in lines)

    response = client.get(reverse("station_log"), {"dinh_dang": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0].startswith("Nhật ký phát thanh – Xã An Trường")
    assert values[1][2] == "Nội dung" and values[1][7] == "Thời lượng (giây)"
    titles = {row[2]: row for row in values[2:]}
    assert titles["Chương trình thời sự huyện Càng Long"][7] == 1800
    started = titles["Hướng dẫn phòng chống rét đậm"][5]
    assert isinstance(started, datetime.datetime)
    assert started == timezone.localtime(airings["now"] - datetime.timedelta(days=1)).replace(tzinfo=None)


@pytest.mark.django_db
def test_the_pdf_carries_the_communes_header_and_the_airings(client, editor, airings):
    from pypdf import PdfReader

    client.force_login(editor)
    response = client.get(reverse("station_log"), {"dinh_dang": "pdf"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "UỶ BAN NHÂN DÂN" in text and "XÃ AN TRƯỜNG" in text
    assert "NHẬT KÝ PHÁT THANH" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "Chương trình thời sự huyện Càng Long" in text and "3 lượt phát" in text


@pytest.mark.django_db
def test_an_unknown_export_format_is_a_400(client, editor, airings):
    client.force_login(editor)
    response = client.get(reverse("station_log"), {"dinh_dang": "docx"})
    assert response.status_code == 400 and "csv, xlsx hoặc pdf" in response.content.decode()
