"""The exchange's commands: the key pair, a peer from the command line, the report sent up."""

import io
import re
import stat

import pytest
from django.core.management import CommandError, call_command

from exchange import keys
from exchange.models import OutgoingMessage, OutgoingState, Peer


def run(*args, **options):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def test_exchange_keys_makes_the_pair_once(settings, tmp_path):
    settings.EXCHANGE_PRIVATE_KEY = ""
    settings.EXCHANGE_KEY_FILE = tmp_path / "khoa" / "ed25519.pem"
    first = run("exchange_keys")
    assert "Đã tạo khoá mới" in first
    assert stat.S_IMODE(settings.EXCHANGE_KEY_FILE.stat().st_mode) == 0o600
    public = re.search(r"Khoá công khai: (\S+)", first)[1]
    assert public == keys.public_key() and keys.key_id() in first
    again = run("exchange_keys")
    assert "Đã tạo" not in again and public in again
    renewed = run("exchange_keys", force=True)
    assert public not in renewed


@pytest.mark.django_db
def test_exchange_peer_adds_then_updates_and_refuses_unknown_codes(peer_key):
    from exchange import signing

    key = signing.public_key_b64(peer_key)
    common = {"name": "Trung ương", "url": "https://nguon.gov.vn", "public_key": key, "area": "84"}
    assert "Đã thêm" in run("exchange_peer", **common, subscribe="844")
    assert "Đã cập nhật" in run("exchange_peer", **common, role="both", subscribe="844,29275")
    peer = Peer.objects.get()
    assert (peer.role, peer.subscription_codes) == ("both", ["844", "29275"])
    with pytest.raises(CommandError, match="99999"):
        run("exchange_peer", **common, subscribe="99999")
    with pytest.raises(CommandError, match="không có"):
        run("exchange_peer", **{**common, "area": "00"})


@pytest.mark.django_db
def test_exchange_send_report_exits_non_zero_when_unreachable(province, peer_key, our_key):
    from tests.exchange.conftest import make_peer

    with pytest.raises(CommandError, match="Chưa có hệ thống cấp trên"):
        run("exchange_send_report", no_progress=True)
    make_peer(province, peer_key, role="upstream", base_url="http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(CommandError, match="gửi lại"):
        run("exchange_send_report", no_progress=True)
    kinds = sorted(OutgoingMessage.objects.values_list("kind", "state"))
    assert kinds == [("device_status", OutgoingState.FAILED), ("indicators", OutgoingState.FAILED)]
    report = OutgoingMessage.objects.get(kind="indicators").body["report"]
    assert report["unit"]["code"] == "84" and report["period"]["key"]
