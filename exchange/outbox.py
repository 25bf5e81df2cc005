"""The outbox: messages to peers, sent by the django-q2 worker with retries.

`queue()` stores an OutgoingMessage and, after the transaction commits, asks the worker to
deliver it. `deliver()` signs and POSTs it: a 2xx answer marks it sent; a refusal that sending
again cannot change (400, 403, 404, 413, 422) gives up at once with the peer's reason; anything
else (no connection, 401 from a clock out of step, 409, 5xx) is tried again after 1, 2, 4 …
minutes (at most EXCHANGE_RETRY_MAX_MINUTES apart), EXCHANGE_MAX_ATTEMPTS times in all. Each
attempt is signed anew (a new nonce and `created`), so a retry is never a replay. The schedule
`send_due` (every minute) picks up what is due; "Gửi lại" in the admin puts a message back.
"""

import datetime
import http.client
import json
import logging
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from exchange import keys, payloads, reports, signing
from exchange.models import MessageKind, OutgoingMessage, OutgoingState, Peer, ReceivedItem
from exchange.units import subscribed_paths, within

log = logging.getLogger(__name__)

PATHS = {
    MessageKind.SOURCE_ITEM: "/api/lien-thong/v1/source-items/",
    MessageKind.ALERT: "/api/lien-thong/v1/alerts/",
    MessageKind.PROGRAMME: "/api/lien-thong/v1/programmes/",
    MessageKind.INDICATORS: "/api/lien-thong/v1/reports/indicators/",
    MessageKind.DEVICE_STATUS: "/api/lien-thong/v1/reports/device-status/",
}
PERMANENT = {400, 403, 404, 413, 422}


def max_attempts():
    return getattr(settings, "EXCHANGE_MAX_ATTEMPTS", 10)


def backoff(attempts):
    cap = getattr(settings, "EXCHANGE_RETRY_MAX_MINUTES", 360)
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), cap))


def _enqueue(pk):
    from boards.tasks import enqueue

    enqueue("exchange.outbox.deliver", pk)


def queue(peer, body, subject="", object_key="", send=True):
    # Addressed to this peer's key: the receiver refuses a message meant for another
    # installation (a signed message replayed elsewhere within the clock window).
    body = {**body, "recipient": peer.key_id}
    message = OutgoingMessage.objects.create(
        peer=peer,
        kind=body["type"],
        message_id=body["id"],
        subject=subject[:300],
        object_key=object_key,
        body=body,
    )
    if send:
        pk = message.pk
        transaction.on_commit(lambda: _enqueue(pk))
    return message


def post(peer, path, body_bytes, timeout=None):
    """POST signed bytes to the peer: (status, parsed answer or text)."""
    url = peer.url(path)
    headers = signing.sign(keys.private_key(), keys.key_id(), "POST", urlsplit(url).path, body_bytes)
    headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body_bytes, headers=headers, method="POST")
    timeout = timeout or getattr(settings, "EXCHANGE_TIMEOUT_S", 30)
    try:
        with signing.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(1024 * 1024)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(1024 * 1024)


def _reason(status, answer):
    try:
        data = json.loads(answer)
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict):
            return f"HTTP {status} {error.get('code', '')}: {error.get('message', '')}"
    except ValueError:
        pass
    # Not our API's answer: its text is not shown (a base URL pointed at some service of our own
    # network would otherwise have the admin screen read its replies).
    return f"HTTP {status}: máy kia không trả lời theo API liên thông."


def claim(message):
    """This attempt is ours: `attempts` moved on from the value `message` was read with (False:
    another worker read the same value and claimed it first)."""
    claimed = OutgoingMessage.objects.filter(
        pk=message.pk, attempts=message.attempts, state__in=[OutgoingState.PENDING, OutgoingState.FAILED]
    ).update(attempts=message.attempts + 1)
    if claimed:
        message.attempts += 1
    return bool(claimed)


def deliver(message_id, now=None, force=False):
    """Send one message now (the worker's task); returns its new state (None: not sent by this
    call). A message that failed is sent again only when its time has come (`force`: at once,
    `exchange_send --all`). Two deliveries of one message at once (the task queued after commit
    and the every-minute `send_due`) cannot both send it: each claims the attempt by moving
    `attempts` on from the value it read, and only one of them can."""
    message = OutgoingMessage.objects.select_related("peer").filter(pk=message_id).first()
    if message is None or message.state not in (OutgoingState.PENDING, OutgoingState.FAILED):
        return None  # sent, or given up ("Gửi lại" puts it back as pending)
    now = now or timezone.now()
    if message.state == OutgoingState.FAILED and message.next_attempt_at > now and not force:
        return None
    if not claim(message):
        return None
    body = json.dumps(message.body, ensure_ascii=False).encode()
    try:
        status, answer = post(message.peer, PATHS[message.kind], body)
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError, keys.NoKey) as exc:
        status, answer = None, None
        message.last_error = f"Không gửi được: {getattr(exc, 'reason', exc)}"
    message.last_status = status
    if status is not None and 200 <= status < 300:
        message.state = OutgoingState.SENT
        message.sent_at = now
        message.last_error = ""
    else:
        if status is not None:
            message.last_error = _reason(status, answer)
        if status in PERMANENT or message.attempts >= max_attempts():
            message.state = OutgoingState.GAVE_UP
        else:
            message.state = OutgoingState.FAILED
            message.next_attempt_at = now + backoff(message.attempts)
    message.last_error = message.last_error[:4000]
    message.save()
    return message.state


def send_due(now=None):
    """Every minute (schedule "Gửi bản tin liên thông"): programmes newly ready, then every
    message whose time has come."""
    queue_ready_programmes()
    now = now or timezone.now()
    due = OutgoingMessage.objects.filter(
        state__in=[OutgoingState.PENDING, OutgoingState.FAILED], next_attempt_at__lte=now
    ).values_list("pk", flat=True)
    results = {}
    for pk in list(due[:200]):
        results[pk] = deliver(pk, now)
    return {"sent": sum(1 for s in results.values() if s == OutgoingState.SENT), "tried": len(results)}


def resend(message):
    """ "Gửi lại": back in the queue, due now."""
    message.state = OutgoingState.PENDING
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["state", "next_attempt_at"])
    pk = message.pk
    transaction.on_commit(lambda: _enqueue(pk))


# --- What goes down: items and programmes ---------------------------------------------------


def downstream_peers():
    return [p for p in Peer.objects.filter(is_active=True).select_related("owner") if p.is_downstream]


def codes_for(peer, units):
    allowed = subscribed_paths(peer)
    return [unit.code for unit in units if within(unit.path, allowed)]


def _sent_before(peer, key):
    return OutgoingMessage.objects.filter(peer=peer, object_key=key).order_by("-pk").first()


def _from_peer(peer, page=None, programme=None):
    """Received from this peer: never sent back to it."""
    query = ReceivedItem.objects.filter(peer=peer)
    return query.filter(page=page).exists() if page is not None else query.filter(programme=programme).exists()


def section_of(peer):
    portal = peer.owner.portal
    if portal is None:
        return None
    from sources.models import SourceIndexPage

    return SourceIndexPage.objects.child_of(portal).first()


def on_page_published(page):
    """A source item or alert published: to every downstream peer whose area holds its section
    and which subscribes to some of its targets (only those targets travel). An item whose
    targets no longer reach a peer that had it is withdrawn there."""
    queued = []
    for peer in downstream_peers():
        section = section_of(peer)
        if section is None or not page.path.startswith(section.path) or _from_peer(peer, page=page):
            continue
        key = f"page:{page.pk}"
        codes = codes_for(peer, payloads.target_units(page))
        before = _sent_before(peer, key)
        if not codes:
            if before is not None and before.body.get("action") == "publish":
                body = _withdrawal(page, peer, before)
                queued.append(queue(peer, body, f"Thu hồi: {page.title}", key))
            continue
        body = payloads.item_message(page, codes, peer.owner)
        if before is not None and before.body.get("item") == body["item"]:
            continue  # published again unchanged
        queued.append(queue(peer, body, page.title, key))
    return queued


def on_page_unpublished(page):
    queued = []
    for peer in downstream_peers():
        key = f"page:{page.pk}"
        before = _sent_before(peer, key)
        if before is None or before.body.get("action") != "publish":
            continue
        body = _withdrawal(page, peer, before)
        queued.append(queue(peer, body, f"Thu hồi: {page.title}", key))
    return queued


def queue_ready_programmes():
    """Recorded programmes of a downstream peer's area, ready (normalised) and targeted within
    its subscription, not yet sent in this version."""
    from station.models import Programme, ProgrammeKind, ProgrammeState

    queued = []
    for peer in downstream_peers():
        programmes = Programme.objects.filter(
            owner__path__startswith=peer.owner.path,
            kind=ProgrammeKind.RECORDED,
            state=ProgrammeState.READY,
            file__isnull=False,
        ).exclude(pk__in=ReceivedItem.objects.filter(programme__isnull=False).values("programme_id"))
        programmes = programmes.filter(valid_until__isnull=True) | programmes.filter(valid_until__gt=timezone.now())
        for programme in programmes.prefetch_related("target_units").select_related("owner"):
            units = [u.specific for u in programme.target_units.all()] or [programme.owner.specific]
            codes = codes_for(peer, [u for u in units if hasattr(u, "code")])
            if not codes:
                continue
            key = f"programme:{programme.pk}"
            before = _sent_before(peer, key)
            body = payloads.programme_message(programme, codes, peer.owner)
            previous = before.body.get("item", {}) if before is not None else None
            if previous is not None and _without_version(previous) == _without_version(body["item"]):
                continue  # nothing new for this peer
            # The receiver takes a version only when it is higher than the last it took: one
            # more than what this peer was last sent (a hash of the content would not grow).
            body["item"]["version"] = _version_after(previous)
            queued.append(queue(peer, body, programme.title, key))
    return queued


def _without_version(item):
    return {name: value for name, value in item.items() if name != "version"}


def _version_after(previous):
    version = previous.get("version") if previous else None
    return version + 1 if isinstance(version, int) and not isinstance(version, bool) else 1


def _withdrawal(page, peer, before):
    """The withdrawal of what `before` published: it carries that publication's version, so
    the receiver can tell it from a late withdrawal of an older one."""
    body = payloads.item_message(page, [], peer.owner, action="withdraw")
    version = before.body.get("item", {}).get("version")
    if isinstance(version, int) and not isinstance(version, bool):
        body["item"]["version"] = version
    return body


# --- What goes up: figures ----------------------------------------------------------------


def upstream_peers():
    return [p for p in Peer.objects.filter(is_active=True).select_related("owner") if p.is_upstream]


def queue_reports(peers=None, period=None, send=True):
    """Indicators and device status of each upstream peer's area, queued (and sent by the
    worker). Daily schedule and `manage.py exchange_send_report`."""
    period = period or reports.default_period()
    queued = []
    for peer in peers if peers is not None else upstream_peers():
        area = peer.owner.specific
        body = payloads.envelope("indicators", area, report=reports.indicators_payload(area, period))
        queued.append(queue(peer, body, f"Chỉ tiêu {area.title} · {period.label}", f"indicators:{area.pk}", send))
        body = payloads.envelope("device_status", area, report=reports.device_status_payload(area))
        queued.append(queue(peer, body, f"Tình trạng thiết bị {area.title}", f"devices:{area.pk}", send))
    return queued


def send_reports():
    """Daily (schedule "Gửi số liệu lên cấp trên"); the old log lines go at the same time."""
    prune_logs()
    return len(queue_reports())


def prune_logs(now=None):
    """Log lines of the inbox and messages sent, older than EXCHANGE_LOG_DAYS (default 365):
    deleted. Messages not sent stay whatever their age."""
    from exchange.models import InboxEntry

    now = now or timezone.now()
    before = now - datetime.timedelta(days=getattr(settings, "EXCHANGE_LOG_DAYS", 365))
    inbox, _ = InboxEntry.objects.filter(at__lt=before).delete()
    sent, _ = OutgoingMessage.objects.filter(state=OutgoingState.SENT, created_at__lt=before).delete()
    return {"inbox": inbox, "sent": sent}
