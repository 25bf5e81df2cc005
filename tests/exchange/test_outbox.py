"""The outbox (exchange/outbox.py): what is queued on publishing, to whom, and the retries."""

import datetime

import pytest
from django.utils import timezone

from exchange import outbox
from exchange.models import OutgoingMessage, OutgoingState
from sources.models import EmergencyAlertPage, SourceItemPage
from tests.exchange.conftest import make_peer
from tests.factories import push

pytestmark = pytest.mark.django_db


@pytest.fixture
def downstream(province, peer_key, our_key):
    return make_peer(
        province, peer_key, role="downstream", name="Huyện Càng Long (hệ thống riêng)", subscriptions="844"
    )


def test_published_items_are_queued_with_only_subscribed_targets(
    downstream, province, district, other_commune, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        page = push(province, "Lịch cắt điện", areas=[district], communes=[other_commune])
        push(province, "Chỉ cho Duyên Hải", communes=[other_commune])
    [message] = OutgoingMessage.objects.all()
    assert message.peer == downstream and message.kind == "source_item"
    assert message.body["item"]["targets"] == ["844"]  # Đông Hải is not subscribed: left out
    assert message.body["item"]["remote_id"] == f"page-{page.pk}"
    page.get_latest_revision().publish()  # published again unchanged: nothing new
    assert OutgoingMessage.objects.count() == 1
    page.unpublish()
    withdrawal = OutgoingMessage.objects.latest("pk")
    assert withdrawal.body["action"] == "withdraw" and withdrawal.object_key == f"page:{page.pk}"


def test_alerts_carry_cap_fields(downstream, province, commune):
    until = timezone.now() + datetime.timedelta(hours=6)
    push(
        province,
        "Bão số 9",
        communes=[commune],
        model=EmergencyAlertPage,
        event="Bão",
        valid_until=until,
        severity="Extreme",
    )
    message = OutgoingMessage.objects.get()
    assert message.kind == "alert"
    assert message.body["item"]["severity"] == "Extreme" and message.body["item"]["targets"] == [commune.code]


def test_upstream_peers_get_no_items(province, peer_key, our_key, district):
    make_peer(province, peer_key, role="upstream")
    push(province, "Tin", areas=[district])
    assert not OutgoingMessage.objects.exists()
    assert SourceItemPage.objects.filter(title="Tin").exists()


def test_unreachable_peer_is_retried_with_backoff_then_given_up(downstream, province, district, settings):
    settings.EXCHANGE_MAX_ATTEMPTS = 3
    push(province, "Tin", areas=[district])
    message = OutgoingMessage.objects.get()
    now = timezone.now()
    assert outbox.deliver(message.pk, now) == OutgoingState.FAILED
    message.refresh_from_db()
    assert message.attempts == 1 and message.next_attempt_at == now + datetime.timedelta(minutes=1)
    assert "Không gửi được" in message.last_error
    assert outbox.deliver(message.pk, now) is None  # not due yet: the queued task does not send it again
    message.refresh_from_db()
    assert message.attempts == 1
    later = now + datetime.timedelta(minutes=1)
    assert outbox.deliver(message.pk, later) == OutgoingState.FAILED
    message.refresh_from_db()
    assert message.next_attempt_at == later + datetime.timedelta(minutes=2)
    assert outbox.deliver(message.pk, later, force=True) == OutgoingState.GAVE_UP
    assert outbox.deliver(message.pk, later, force=True) is None  # given up: only "Gửi lại" brings it back
    outbox.resend(message)
    message.refresh_from_db()
    assert message.state == OutgoingState.PENDING and message.attempts == 3


def test_two_workers_cannot_both_claim_one_attempt(downstream, province, district):
    push(province, "Tin", areas=[district])
    first, second = OutgoingMessage.objects.get(), OutgoingMessage.objects.get()  # read at once by two workers
    assert outbox.claim(first) is True
    assert outbox.claim(second) is False
    assert OutgoingMessage.objects.get().attempts == 1


def test_ready_programmes_are_queued_once_per_version(downstream, province, district, tmp_path, settings):
    from django.core.files import File

    from station.models import Programme, ProgrammeState
    from station.tasks import process_programme
    from tests.station.sounds import programme as sound

    settings.MEDIA_ROOT = tmp_path / "media"
    programme = Programme(owner=province, title="Bản tin tuần")
    with open(sound(tmp_path / "a.mp3", seconds=2.0), "rb") as handle:
        programme.upload.save("a.mp3", File(handle), save=False)
    programme.save()
    programme.target_units.set([district])
    programme.save()  # a ParentalManyToManyField: saved with the programme
    assert outbox.queue_ready_programmes() == []  # not normalised yet
    process_programme(programme.pk)
    programme.refresh_from_db()
    assert programme.state == ProgrammeState.READY, programme.message
    [message] = outbox.queue_ready_programmes()
    assert message.body["item"]["targets"] == ["844"]
    assert message.body["item"]["audio"]["sha256"] == programme.file_id
    assert message.body["item"]["version"] == 1
    assert outbox.queue_ready_programmes() == []
    # A change goes out with a higher version, whatever it is (the receiver takes only higher ones).
    for n, title in enumerate(("Bản tin tuần (sửa)", "Bản tin tuần (sửa lần hai)", "Bản tin tuần"), start=2):
        Programme.objects.filter(pk=programme.pk).update(title=title)
        [changed] = outbox.queue_ready_programmes()
        assert changed.body["item"]["version"] == n and changed.body["item"]["title"] == title


def test_old_log_lines_are_pruned_but_unsent_messages_stay(downstream, province, district):
    from exchange.models import InboxEntry

    push(province, "Tin", areas=[district])
    waiting = OutgoingMessage.objects.get()
    sent = OutgoingMessage.objects.create(
        peer=downstream, kind="indicators", message_id="da-gui", body={}, state=OutgoingState.SENT
    )
    old = timezone.now() - datetime.timedelta(days=400)
    OutgoingMessage.objects.filter(pk__in=[waiting.pk, sent.pk]).update(created_at=old)
    InboxEntry.objects.create(path="/api/lien-thong/v1/alerts/", status=401, at=old)
    recent = InboxEntry.objects.create(path="/api/lien-thong/v1/alerts/", status=401)
    assert outbox.prune_logs() == {"inbox": 1, "sent": 1}
    assert list(OutgoingMessage.objects.all()) == [waiting]
    assert list(InboxEntry.objects.all()) == [recent]


def test_a_withdrawal_carries_the_version_it_withdraws(downstream, province, district):
    page = push(province, "Tin", areas=[district])
    published = OutgoingMessage.objects.get()
    page.save_revision()  # a draft after the publication: not what the peer holds
    page.unpublish()
    withdrawal = OutgoingMessage.objects.exclude(pk=published.pk).get()
    assert withdrawal.body["action"] == "withdraw"
    assert withdrawal.body["item"]["version"] == published.body["item"]["version"]
