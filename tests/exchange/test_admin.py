"""The admin's "Liên thông" screens: superusers and the staff of a province or district, each
seeing only the peers of their own units (another's row: 404), commune staff: none."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.contrib.auth import get_user_model
from django.urls import reverse

from areas.models import AreaPage
from exchange import payloads
from exchange.admin_views import INBOX_URL, OUTBOX_URL, REPORT_URL, REPORTS_URL
from exchange.models import InboxEntry, OutgoingMessage, OutgoingState, Peer, PeerReport
from tests.exchange.conftest import make_peer

pytestmark = pytest.mark.django_db


def user_of(group, username):
    user = get_user_model().objects.create_user(username, password="Mat-khau-lien-thong-2026")
    user.groups.add(group)
    return user


@pytest.fixture
def duyen_hai():
    return AreaPage.objects.get(structure="2024", level="district", code="850")


@pytest.fixture
def rows(district, duyen_hai, peer_key):
    """A peer of Càng Long with a message, a log line and a report; the same for Duyên Hải
    (marked "KHÁC")."""
    made = {}
    for area, key, mark in ((district, peer_key, "CÀNG LONG"), (duyen_hai, Ed25519PrivateKey.generate(), "KHÁC")):
        peer = make_peer(area, key, role="both", name=f"Hệ thống {mark}")
        body = payloads.envelope("indicators", area, report={"unit": {"code": area.code}})
        message = OutgoingMessage.objects.create(
            peer=peer,
            kind="indicators",
            message_id=body["id"],
            body=body,
            subject=f"Chỉ tiêu {mark}",
            state=OutgoingState.GAVE_UP,
        )
        InboxEntry.objects.create(peer=peer, path="/api/lien-thong/v1/alerts/", status=422, message=f"Lý do {mark}")
        report = PeerReport.objects.create(
            peer=peer,
            kind="device_status",
            unit_code=area.code,
            unit_name=f"Đơn vị {mark}",
            period="08:00 06/12/2026",
            data={
                "devices": [{"unit_code": area.code, "name": f"Bảng {mark}", "kind": "lcd", "state": "online"}],
                "counts": {"online": 1},
            },
        )
        made[mark] = (peer, message, report)
    return made


def test_superuser_sees_every_screen(client, rows):
    admin = get_user_model().objects.create_superuser("quan-tri", password="Mat-khau-lien-thong-2026")
    client.force_login(admin)
    for url in (reverse("exchange_peers:index"), reverse(OUTBOX_URL), reverse(INBOX_URL), reverse(REPORTS_URL)):
        html = client.get(url).content.decode()
        assert "CÀNG LONG" in html and "KHÁC" in html, url
    peer = rows["KHÁC"][0]
    assert peer.key_id in client.get(reverse("exchange_peers:index")).content.decode()
    html = client.get(reverse(REPORT_URL, args=[rows["KHÁC"][2].pk])).content.decode()
    assert "Bảng KHÁC" in html and "Trực tuyến" in html


def test_district_staff_see_their_own_rows_only(client, district, rows):
    client.force_login(user_of(district.moderators_group, "kd-cang-long"))
    for url in (reverse("exchange_peers:index"), reverse(OUTBOX_URL), reverse(INBOX_URL), reverse(REPORTS_URL)):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200 and "CÀNG LONG" in html and "KHÁC" not in html, url
    other_peer, other_message, other_report = rows["KHÁC"]
    assert client.get(reverse("exchange_peers:edit", args=[other_peer.pk])).status_code == 404
    assert client.get(reverse(REPORT_URL, args=[other_report.pk])).status_code == 404
    assert client.post(reverse(OUTBOX_URL), {"message": other_message.pk}).status_code == 404
    other_message.refresh_from_db()
    assert other_message.state == OutgoingState.GAVE_UP
    own = rows["CÀNG LONG"][1]
    assert client.post(reverse(OUTBOX_URL), {"message": own.pk}).status_code == 302
    own.refresh_from_db()
    assert own.state == OutgoingState.PENDING


def test_commune_staff_have_no_exchange(client, commune, rows):
    client.force_login(user_of(commune.editors_group, "bt-an-truong"))
    for url in (reverse("exchange_peers:index"), reverse(OUTBOX_URL), reverse(INBOX_URL), reverse(REPORTS_URL)):
        assert client.get(url).status_code in (302, 403), url
    assert "Liên thông" not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_adding_a_peer_checks_the_key_and_the_codes(client, district, peer_key):
    from exchange import signing

    client.force_login(user_of(district.moderators_group, "kd-cang-long"))
    url = reverse("exchange_peers:add")
    form = {
        "owner": district.pk,
        "name": "Hệ thống trung ương",
        "base_url": "https://nguon.gov.vn",
        "public_key": "khong-phai-khoa",
        "role": "upstream",
        "subscriptions": "29275, 99999",
        "is_active": "on",
    }
    html = client.post(url, form).content.decode()
    assert "Khoá công khai không hợp lệ" in html
    form["public_key"] = signing.public_key_b64(peer_key)
    html = client.post(url, form).content.decode()
    assert "99999" in html and not Peer.objects.exists()
    form["subscriptions"] = "29275"
    assert client.post(url, form).status_code == 302
    peer = Peer.objects.get()
    assert peer.key_id.startswith("ed25519:") and peer.subscription_codes == ["29275"]


def test_an_editor_cannot_pair_a_peer(client, district, rows, peer_key):
    """A peer's key publishes items and alerts without moderation: only moderators pair."""
    from exchange import signing

    client.force_login(user_of(district.editors_group, "bt-cang-long"))
    own_peer = rows["CÀNG LONG"][0]
    for url in (
        reverse("exchange_peers:index"),
        reverse("exchange_peers:add"),
        reverse("exchange_peers:edit", args=[own_peer.pk]),
    ):
        assert client.get(url).status_code in (302, 403), url
    form = {
        "owner": district.pk,
        "name": "Khoá của biên tập viên",
        "base_url": "https://nguon.gov.vn",
        "public_key": signing.public_key_b64(Ed25519PrivateKey.generate()),
        "role": "upstream",
        "is_active": "on",
    }
    assert client.post(reverse("exchange_peers:add"), form).status_code in (302, 403)
    assert not Peer.objects.filter(name="Khoá của biên tập viên").exists()
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("exchange_peers:index") not in html
    # The logs of their own district stay readable.
    assert "CÀNG LONG" in client.get(reverse(OUTBOX_URL)).content.decode()


def test_a_resend_of_no_number_is_404(client, district, rows):
    client.force_login(user_of(district.moderators_group, "kd-cang-long"))
    assert client.post(reverse(OUTBOX_URL), {"message": "abc"}).status_code == 404
    assert client.post(reverse(OUTBOX_URL), {}).status_code == 404


def test_a_peers_odd_report_still_renders(client, district, rows):
    """A report is whatever JSON the peer sent: odd values show as dashes, never a 500."""
    peer = rows["CÀNG LONG"][0]
    report = PeerReport.objects.create(
        peer=peer,
        kind="indicators",
        unit_code=district.code,
        unit_name="Đơn vị lạ",
        data={
            "totals": {"websites": {"count": 1, "total": 2, "rate": "nhiều"}, "boards": {"count": 1, "rate": True}},
            "rows": "không phải danh sách",
            "devices": [{"name": "<script>x</script>", "last_seen_at": "2026-13-45T00:00:00Z"}],
        },
    )
    client.force_login(user_of(district.moderators_group, "kd-cang-long"))
    response = client.get(reverse(REPORT_URL, args=[report.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "Đơn vị lạ" in html
    assert "<script>x</script>" not in html
