"""CAP 1.2: what we export validates against OASIS's schema; an alert goes in and out with every
field kept; a file that fails the schema is refused with the schema's message and nothing is
saved; Update and Cancel act on the alert they reference; a CAP feed is polled over HTTP."""

import datetime
import http.server
import threading
from urllib.parse import urlsplit

import feedparser
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from areas.models import AreaPage
from sources import cap
from sources.cap_import import import_alert, poll_feed
from sources.models import CapFeed, EmergencyAlertPage
from tests.factories import section_of

SAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>VN-KTTV-TV-2026-1207-01</identifier>
  <sender>kttv.travinh.gov.vn</sender>
  <sent>2026-12-07T06:30:00+07:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <source>Đài Khí tượng Thuỷ văn tỉnh Trà Vinh</source>
  <scope>Public</scope>
  <code>VN-PCTT</code>
  <code>profile:CAP-VN:0.1</code>
  <note>Bản tin số 3</note>
  <incidents>BAO-SO-9-2026</incidents>
  <info>
    <language>vi-VN</language>
    <category>Met</category>
    <category>Safety</category>
    <event>Bão số 9</event>
    <responseType>Evacuate</responseType>
    <responseType>Prepare</responseType>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    <audience>Người dân ven biển và tàu thuyền</audience>
    <eventCode><valueName>VN-PCTT</valueName><value>BAO</value></eventCode>
    <effective>2026-12-07T06:30:00+07:00</effective>
    <onset>2026-12-07T09:00:00+07:00</onset>
    <expires>2026-12-08T18:00:00+07:00</expires>
    <senderName>Ban Chỉ huy PCTT và TKCN tỉnh Trà Vinh</senderName>
    <headline>Bão số 9 đổ bộ vùng ven biển Trà Vinh</headline>
    <description>Hồi 6 giờ, tâm bão ở cách bờ biển Trà Vinh khoảng 120 km, sức gió mạnh nhất cấp 12, giật cấp 14.</description>
    <instruction>Người dân vùng ven biển sơ tán trước 12 giờ; tàu thuyền vào nơi tránh trú.</instruction>
    <web>https://kttv.travinh.gov.vn/bao-so-9</web>
    <contact>Đường dây nóng 0294 3862 123</contact>
    <parameter><valueName>CapGio</valueName><value>12</value></parameter>
    <resource>
      <resourceDesc>Bản đồ đường đi của bão</resourceDesc>
      <mimeType>image/png</mimeType>
      <size>48213</size>
      <uri>https://kttv.travinh.gov.vn/bao-so-9.png</uri>
    </resource>
    <area>
      <areaDesc>Huyện Càng Long</areaDesc>
      <polygon>9.90,106.10 9.95,106.25 10.05,106.20 9.90,106.10</polygon>
      <geocode><valueName>VN-DVHC</valueName><value>844</value></geocode>
      <altitude>0</altitude>
      <ceiling>100</ceiling>
    </area>
    <area>
      <areaDesc>Xã Đông Hải</areaDesc>
      <circle>9.55,106.50 5</circle>
      <geocode><valueName>VN-DVHC</valueName><value>29536</value></geocode>
    </area>
  </info>
  <info>
    <language>en-US</language>
    <category>Met</category>
    <event>Typhoon No. 9</event>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    <headline>Typhoon No. 9 makes landfall on the Tra Vinh coast</headline>
  </info>
</alert>
"""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True


@pytest.fixture
def province(db):
    return AreaPage.objects.get(structure="2024", level="province", code="84")


def moderator(area, username="kd-tinh-tra-vinh"):
    user = get_user_model().objects.create_user(username, password="Mat-khau-cap-2026")
    user.groups.add(area.moderators_group)
    return user


def test_the_sample_is_valid_cap_and_survives_a_round_trip_through_xml():
    alert = cap.parse(SAMPLE.encode())
    assert alert["identifier"] == "VN-KTTV-TV-2026-1207-01"
    assert cap.geocodes(alert) == ["844", "29536"]
    assert cap.parse(cap.to_xml(alert)) == alert


@pytest.mark.django_db
def test_import_then_export_keeps_every_field(province):
    result = import_alert(SAMPLE.encode(), section_of(province), publish=True)
    assert result.action == "created" and result.notes == []
    page = EmergencyAlertPage.objects.get(cap_identifier="VN-KTTV-TV-2026-1207-01")
    assert page.live and page.title == "Bão số 9 đổ bộ vùng ven biển Trà Vinh"
    assert (page.event, page.urgency, page.severity, page.certainty) == ("Bão số 9", "Immediate", "Extreme", "Observed")
    assert timezone.localtime(page.valid_until).strftime("%H:%M %d/%m/%Y") == "18:00 08/12/2026"
    assert [a.code for a in page.target_areas.all()] == ["844"]
    assert [c.code for c in page.target_communes.all()] == ["29536"]
    exported = cap.to_xml(cap.alert_from_page(page))
    cap.validate(exported)
    assert cap.parse(exported) == cap.parse(SAMPLE.encode())


@pytest.mark.django_db
def test_an_alert_written_in_the_admin_exports_valid_cap(client, province):
    district = AreaPage.objects.get(structure="2024", code="844")
    now = timezone.now()
    page = EmergencyAlertPage(
        title="Cảnh báo lũ quét",
        event="Lũ quét",
        summary="Mưa lớn gây lũ quét ở vùng trũng.",
        valid_from=now,
        valid_until=now + datetime.timedelta(hours=6),
        category="Geo",
    )
    page.target_areas = [district]
    section_of(province).add_child(instance=page)
    page.save_revision().publish()
    response = client.get(urlsplit(page.full_url).path + "cap/", HTTP_HOST=page.get_site().hostname)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/cap+xml")
    alert = cap.parse(response.content)  # schema-valid, or parse() raises
    info = alert["info"][0]
    assert info["headline"] == "Cảnh báo lũ quét" and info["category"] == ["Geo"]
    assert info["area"][0]["geocode"] == [["VN-DVHC", "844"]]
    assert info["senderName"] == "Uỷ ban nhân dân tỉnh Trà Vinh"
    assert alert["sent"].endswith("+07:00")
    # The area's feed of alerts in force lists it with a link to the CAP message.
    feed = feedparser.parse(client.get("/thong-tin-nguon/nguon-cap/", HTTP_HOST=page.get_site().hostname).content)
    assert [e.title for e in feed.entries] == ["Cảnh báo lũ quét"]
    assert feed.entries[0].link.endswith("/cap/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad, expected",
    [
        (SAMPLE.replace("<sender>kttv.travinh.gov.vn</sender>", ""), "sender"),
        (SAMPLE.replace("<urgency>Immediate</urgency>", "<urgency>Soon</urgency>", 1), "urgency"),
        (SAMPLE.replace("2026-12-07T06:30:00+07:00</sent>", "7/12/2026</sent>"), "sent"),
        ("<alert><identifier>x</identifier></alert>", "Không phải bản tin CAP 1.2"),
        ("đây không phải XML", "Không đọc được XML"),
        ("", "trống"),
    ],
)
def test_a_file_that_fails_the_schema_is_refused_with_its_message(province, bad, expected):
    before = EmergencyAlertPage.objects.count()
    with pytest.raises(cap.CapError) as raised:
        import_alert(bad.encode(), section_of(province), publish=True)
    assert expected in str(raised.value)
    assert EmergencyAlertPage.objects.count() == before


@pytest.mark.django_db
def test_update_changes_the_alert_and_cancel_withdraws_it(province):
    section = section_of(province)
    import_alert(SAMPLE.encode(), section, publish=True)
    update = (
        SAMPLE.replace("<msgType>Alert</msgType>", "<msgType>Update</msgType>")
        .replace("VN-KTTV-TV-2026-1207-01</identifier>", "VN-KTTV-TV-2026-1207-02</identifier>")
        .replace(
            "<incidents>",
            "<references>kttv.travinh.gov.vn,VN-KTTV-TV-2026-1207-01,2026-12-07T06:30:00+07:00</references>\n  <incidents>",
        )
        .replace("sức gió mạnh nhất cấp 12", "sức gió mạnh nhất cấp 13")
    )
    result = import_alert(update.encode(), section, publish=True)
    assert result.action == "updated"
    page = EmergencyAlertPage.objects.get()
    assert "cấp 13" in page.summary and page.cap_identifier == "VN-KTTV-TV-2026-1207-02" and page.live
    cancel = (
        SAMPLE.replace("<msgType>Alert</msgType>", "<msgType>Cancel</msgType>")
        .replace("VN-KTTV-TV-2026-1207-01</identifier>", "VN-KTTV-TV-2026-1207-03</identifier>")
        .replace(
            "<incidents>",
            "<references>kttv.travinh.gov.vn,VN-KTTV-TV-2026-1207-02,2026-12-07T07:30:00+07:00</references>\n  <incidents>",
        )
    )
    assert import_alert(cancel.encode(), section).action == "withdrawn"
    assert not EmergencyAlertPage.objects.get().live


@pytest.mark.django_db
def test_codes_outside_the_area_are_left_out_or_refused():
    district = AreaPage.objects.get(structure="2024", code="844")
    result = import_alert(SAMPLE.encode(), section_of(district), publish=False)
    page = EmergencyAlertPage.objects.get()
    assert [a.code for a in page.target_areas.all()] == ["844"] and not page.target_communes.exists()
    assert result.notes == ["Bỏ qua các mã ngoài địa bàn: 29536."]
    assert not page.live  # a draft for the moderators
    elsewhere = SAMPLE.replace("<value>844</value>", "<value>845</value>").replace(
        "VN-KTTV-TV-2026-1207-01", "VN-KTTV-TV-2026-1207-09"
    )
    with pytest.raises(cap.CapError, match="Không có vùng nào"):
        import_alert(elsewhere.encode(), section_of(district))


@pytest.mark.django_db
def test_the_admin_import_form(client, province):
    client.force_login(moderator(province))
    section = section_of(province)
    bad = client.post(
        "/admin/thong-tin-nguon/nhap-cap/",
        {
            "file": SimpleUploadedFile(
                "bao.xml", SAMPLE.replace("<severity>Extreme</severity>", "<severity>Huge</severity>", 1).encode()
            ),
            "section": str(section.pk),
            "publish": "on",
        },
    )
    assert bad.status_code == 200
    assert "không đúng lược đồ CAP 1.2" in bad.content.decode() and "severity" in bad.content.decode()
    assert not EmergencyAlertPage.objects.exists()
    good = client.post(
        "/admin/thong-tin-nguon/nhap-cap/",
        {"file": SimpleUploadedFile("bao.xml", SAMPLE.encode()), "section": str(section.pk), "publish": "on"},
    )
    page = EmergencyAlertPage.objects.get()
    assert good.status_code == 302 and good["Location"] == f"/admin/pages/{page.pk}/edit/"
    assert page.live


@pytest.mark.django_db
def test_a_commune_editor_has_no_cap_import(client):
    from areas.models import CommuneHomePage

    user = get_user_model().objects.create_user("bt-xa-cap", password="x")
    user.groups.add(CommuneHomePage.objects.get(structure="2024", short_name="An Trường").editors_group)
    client.force_login(user)
    refused = client.get("/admin/thong-tin-nguon/nhap-cap/")
    assert refused.status_code == 302 and refused["Location"] == "/admin/"  # Wagtail's "no permission" message


class _Feed(http.server.BaseHTTPRequestHandler):
    documents = {}
    requests = []

    def do_GET(self):
        self.requests.append(self.path)
        body = self.documents.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def feed_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.django_db
def test_a_cap_feed_is_polled_and_each_entry_imported_once(province, feed_server):
    second = SAMPLE.replace("VN-KTTV-TV-2026-1207-01", "VN-KTTV-TV-2026-1207-05").replace(
        "Bão số 9 đổ bộ vùng ven biển Trà Vinh", "Triều cường vượt báo động 3"
    )
    _Feed.documents = {
        "/feed.atom": """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>KTTV</title><id>urn:kttv</id><updated>2026-12-07T06:30:00+07:00</updated>
<entry><id>urn:1</id><title>Bão</title><updated>2026-12-07T06:30:00+07:00</updated><link type="application/cap+xml" href="/a1.xml"/></entry>
<entry><id>urn:2</id><title>Triều</title><updated>2026-12-07T06:30:00+07:00</updated><link href="/a2.xml"/></entry>
<entry><id>urn:3</id><title>Hỏng</title><updated>2026-12-07T06:30:00+07:00</updated><link href="/missing.xml"/></entry>
</feed>""".encode(),
        "/a1.xml": SAMPLE.encode(),
        "/a2.xml": second.encode(),
    }
    feed = CapFeed.objects.create(
        owner=province, name="Đài KTTV tỉnh", url=feed_server + "/feed.atom", auto_publish=True
    )
    imported, errors = poll_feed(feed)
    assert sorted(p.title for r in imported for p in r.pages) == [
        "Bão số 9 đổ bộ vùng ven biển Trà Vinh",
        "Triều cường vượt báo động 3",
    ]
    assert EmergencyAlertPage.objects.filter(live=True).count() == 2
    assert len(errors) == 1 and "404" in errors[0]  # the broken entry is reported, the others imported
    feed.refresh_from_db()
    assert "404" in feed.last_error and feed.last_polled_at
    _Feed.requests.clear()
    imported, errors = poll_feed(feed)
    assert imported == [] and "/a1.xml" not in _Feed.requests  # entries already read are not fetched again
    assert EmergencyAlertPage.objects.count() == 2
