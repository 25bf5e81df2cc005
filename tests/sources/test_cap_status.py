"""CAP status: an alert marked Test, Exercise or System is imported as such and published, yet
reaches no one outside the admin: no banner, not on the commune's home or the source listing,
not in the CAP feed or the sitemap, its page, CAP, listen and print routes answer 404 to the
public, no board or loudspeaker gets it, search does not find it. The admin tags it ("thử
nghiệm", "diễn tập"), in the page listing, its title and on "Nơi nhận". An Actual alert
imported the same way reaches all of them (the checks can fail). A test message never updates
or cancels a real alert."""

import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from areas.models import PortalHomePage
from boards.models import Board
from boards.publishing import rebuild
from core.periods import Period
from indicators.compute import compute
from sources import cap
from sources.cap_import import import_alert
from sources.models import EmergencyAlertPage, active_alerts_for
from tests.factories import section_of


def cap_message(identifier, headline, status="Test", code="29275", msg_type="Alert", references=""):
    """A CAP 1.2 alert valid from an hour ago for six hours, for the unit `code` (An Trường)."""
    now = timezone.localtime().replace(microsecond=0)
    sent, onset, expires = now, now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=6)
    refs = f"<references>{references}</references>" if references else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>kttv.travinh.gov.vn</sender>
  <sent>{sent.isoformat()}</sent>
  <status>{status}</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  {refs}
  <info>
    <language>vi-VN</language>
    <category>Met</category>
    <event>Lũ quét</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <onset>{onset.isoformat()}</onset>
    <expires>{expires.isoformat()}</expires>
    <headline>{headline}</headline>
    <description>Mưa lớn gây lũ quét ở các ấp ven sông.</description>
    <instruction>Di dời người và tài sản đến nơi cao ngay.</instruction>
    <area>
      <areaDesc>Xã An Trường</areaDesc>
      <geocode><valueName>VN-DVHC</valueName><value>{code}</value></geocode>
    </area>
  </info>
</alert>
""".encode()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_SYNC = True


def staff(unit, username, moderator=True):
    user = get_user_model().objects.create_user(username, password="Mat-khau-cap-2026")
    user.groups.add(unit.moderators_group if moderator else unit.editors_group)
    return user


def text_of(response):
    return response.content.decode() if response.status_code == 200 else ""


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["Test", "Exercise", "System", "Actual"])
def test_only_an_actual_alert_reaches_the_public(client, district, commune, status):
    public = status == "Actual"
    headline = f"Lũ quét ở xã An Trường ({status})"
    screen = Board.objects.create(owner=commune, name="Bảng chợ An Trường", width=384, height=192)
    result = import_alert(
        cap_message(f"VN-TV-{status}-1", headline, status), section_of(district), staff(district, "kd-cl"), publish=True
    )
    page = EmergencyAlertPage.objects.get(title=headline)
    assert result.action == "created" and page.live and page.cap_status == status  # imported as such
    assert page.is_public == public
    assert any("không hiện công khai" in note for note in result.notes) != public

    commune_host = commune.get_site().hostname
    portal = PortalHomePage.objects.child_of(district).get()
    portal_host = portal.get_site().hostname
    page_path = page.url_path.removeprefix(portal.url_path.rstrip("/"))
    section_path = page_path.rsplit("/", 2)[0] + "/"

    home = text_of(client.get("/", HTTP_HOST=commune_host))
    assert ('class="emergency-banner"' in home) == public and (headline in home) == public
    assert (headline in text_of(client.get(section_path, HTTP_HOST=portal_host))) == public
    assert (headline in text_of(client.get(f"{section_path}nguon-cap/", HTTP_HOST=portal_host))) == public
    assert (page_path in text_of(client.get("/sitemap.xml", HTTP_HOST=portal_host))) == public
    assert (headline in text_of(client.get("/so-do-trang/", HTTP_HOST=portal_host))) == public
    # The ministry's figures count what reached the public: a test is not a pushed alert.
    figures = compute(district, Period.current_month(), trend=False)
    assert figures.total.pushed.alerts == (1 if public else 0)
    for route in ("", "cap/", "in/"):
        assert client.get(f"{page_path}{route}", HTTP_HOST=portal_host).status_code == (200 if public else 404)
    if not public:
        assert client.get(f"{page_path}nghe/", HTTP_HOST=portal_host).status_code == 404
    found = client.get("/api/search", {"q": "Lũ quét An Trường", "scope": "tinh"}, HTTP_HOST=commune_host)
    assert found.status_code == 200
    if not public:  # (whether search finds real alerts is the search's business)
        assert headline not in json.dumps(found.json(), ensure_ascii=False)
    assert bool(active_alerts_for(commune)) == public

    version, *_ = rebuild(screen)
    assert version.emergency == public
    assert any(item["id"].startswith(f"pushed:{page.pk}") for item in version.items) == public


@pytest.mark.django_db
def test_the_admin_tags_a_test_alert_and_shows_it_to_its_editors_only(client, district, commune):
    headline = "Thử nghiệm hệ thống cảnh báo lũ"
    moderator = staff(district, "kd-cang-long-cap")
    import_alert(cap_message("VN-TV-TEST-2", headline), section_of(district), moderator, publish=True)
    page = EmergencyAlertPage.objects.get(title=headline)
    screen = Board.objects.create(owner=commune, name="Bảng chợ An Trường", width=384, height=192)
    rebuild(screen)
    portal_host = PortalHomePage.objects.child_of(district).get().get_site().hostname
    page_path = page.url_path.removeprefix(PortalHomePage.objects.child_of(district).get().url_path.rstrip("/"))

    client.force_login(moderator)
    listing = client.get(f"/admin/pages/{section_of(district).pk}/").content.decode()
    assert f"[Thử nghiệm] {headline}" in listing and "· thử nghiệm" in listing  # title and status tag
    edit = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert f"[Thử nghiệm] {headline}" in edit
    delivery = client.get(f"/admin/thong-tin-nguon/{page.pk}/noi-nhan/").content.decode()
    assert "Đây là cảnh báo thử nghiệm" in delivery
    assert "Chưa · cảnh báo thử nghiệm, không công khai" in delivery  # the board
    assert "Không · cảnh báo thử nghiệm, không công khai" in delivery  # the commune's site
    assert "Không công khai (thử nghiệm)" in client.get("/admin/thong-tin-nguon/").content.decode()
    # Its editors may look at its page; a commune's editor, like the public, gets a 404.
    assert client.get(page_path, HTTP_HOST=portal_host).status_code == 200
    client.force_login(staff(commune, "bt-an-truong-cap", moderator=False))
    assert client.get(page_path, HTTP_HOST=portal_host).status_code == 404
    client.logout()
    assert client.get(page_path, HTTP_HOST=portal_host).status_code == 404


@pytest.mark.django_db
def test_a_test_message_never_updates_or_cancels_a_real_alert(district):
    section = section_of(district)
    import_alert(cap_message("VN-TV-REAL-1", "Lũ quét thật", "Actual"), section, publish=True)
    reference = "kttv.travinh.gov.vn,VN-TV-REAL-1,2026-12-07T06:30:00+07:00"
    for msg_type in ("Update", "Cancel"):
        message = cap_message("VN-TV-TEST-9", "Thử nghiệm", "Test", msg_type=msg_type, references=reference)
        with pytest.raises(cap.CapError, match="không được sửa hay huỷ cảnh báo thật"):
            import_alert(message, section, publish=True)
    real = EmergencyAlertPage.objects.get(cap_identifier="VN-TV-REAL-1")
    assert real.live and real.cap_status == "Actual" and real.title == "Lũ quét thật"
