"""The exchange API, version 1 (`/api/lien-thong/v1/`, described by exchange/openapi.py).

Every request but the description and the public key is signed (exchange/signing.py) and
checked here before anything else: unsigned, unknown key, tampered body, bad signature or
`created` out of the window → 401; a nonce seen before → 409 "replayed". Then the JSON, the
message's shape (400), its direction (403), the unit codes (422 unknown, 403 outside the
peer's subscription), and the change itself in one transaction. Every request, accepted or
refused, is written to the log (InboxEntry, "Nhật ký nhận" in the admin). Errors are JSON
`{"error": {"code", "message"}}`.
"""

import datetime
import json
import logging
import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from core.http import BadRequestData, client_ip, parse_json
from exchange import keys, openapi, receive, signing
from exchange.models import InboxEntry, OutgoingMessage, Peer, SeenNonce

log = logging.getLogger(__name__)

ENDPOINTS = {
    "source-items/": "source_item",
    "alerts/": "alert",
    "programmes/": "programme",
    "reports/indicators/": "indicators",
    "reports/device-status/": "device_status",
}


def max_body():
    return getattr(settings, "EXCHANGE_MAX_BODY_BYTES", 2 * 1024 * 1024)


def error(status, code, message):
    response = JsonResponse(
        {"error": {"code": code, "message": message}}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "no-store"
    return response


def record(request, status, *, peer=None, key_id="", kind="", message_id="", accepted=False, code="", text=""):
    InboxEntry.objects.create(
        peer=peer,
        key_id=key_id[:200],
        kind=kind[:16],
        message_id=(message_id or "")[:64],
        path=request.path[:200],
        status=status,
        accepted=accepted,
        error_code=code[:40],
        message=text[:4000],
        remote_addr=client_ip(request) or None,
    )


def refuse(request, status, code, message, **fields):
    record(request, status, code=code, text=message, **fields)
    return error(status, code, message)


def check_signature(request, body):
    """The sending Peer and the checked signature, or a SignatureError (the nonce is used here)."""
    peers = {}

    def public_key_for(key_id):
        peer = Peer.objects.select_related("owner").filter(key_id=key_id, is_active=True).first()
        if peer is None:
            return None
        peers[key_id] = peer
        import base64

        return base64.b64decode(peer.public_key)

    verified = signing.verify(
        request.headers, request.method, request.path, request.META.get("QUERY_STRING", ""), body, public_key_for
    )
    now = timezone.now()
    SeenNonce.objects.filter(expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            SeenNonce.objects.create(
                key_id=verified.key_id,
                nonce=verified.nonce,
                expires_at=now + datetime.timedelta(seconds=3 * signing.WINDOW_S),
            )
    except IntegrityError:
        raise signing.SignatureError(
            "replayed", "Bản tin đã nhận trước đây (nonce dùng lại): từ chối vì có thể là gửi lại trái phép.", 409
        ) from None
    return peers[verified.key_id], verified


def _key_id_of(request):
    value = request.headers.get("Signature-Input", "")
    start = value.find('keyid="')
    return value[start + 7 : value.find('"', start + 7)] if start >= 0 else ""


@csrf_exempt
@require_http_methods(["POST"])
def message_view(request, endpoint):
    kind = ENDPOINTS[endpoint]
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > max_body():
        return refuse(request, 413, "too_large", f"Bản tin quá lớn (tối đa {max_body() // 1024} KiB).", kind=kind)
    body = request.body
    try:
        peer, verified = check_signature(request, body)
    except signing.SignatureError as exc:
        key_id = _key_id_of(request)
        peer = Peer.objects.filter(key_id=key_id).first() if key_id else None
        return refuse(request, exc.status, exc.code, exc.message, peer=peer, key_id=key_id, kind=kind)
    fields = {"peer": peer, "key_id": verified.key_id, "kind": kind}
    try:
        message = parse_json(body)
    except BadRequestData as exc:
        return refuse(request, 400, exc.code, exc.message, **fields)
    message_id = message.get("id") if isinstance(message, dict) and isinstance(message.get("id"), str) else ""
    fields["message_id"] = message_id
    try:
        receive.check_envelope(message, kind)
    except receive.Refused as exc:
        return refuse(request, exc.status, exc.code, exc.message, **fields)
    try:
        ours = keys.key_id()
    except keys.NoKey as exc:
        return refuse(request, 503, "no_key", str(exc), **fields)
    if message.get("recipient") != ours:
        text = (
            f"Bản tin gửi cho hệ thống có mã khoá {str(message.get('recipient'))[:60]!r}, không phải hệ thống này "
            f"({ours}): từ chối."
        )
        return refuse(request, 403, "wrong_recipient", text, **fields)
    if InboxEntry.objects.filter(peer=peer, message_id=message_id, accepted=True).exists():
        text = "Bản tin này đã nhận trước đây: không làm gì thêm."
        record(request, 200, accepted=True, text=text, **fields)
        return JsonResponse({"status": "duplicate", "message": text}, json_dumps_params={"ensure_ascii": False})
    fetched = None
    try:
        receive.check_direction(peer, kind)  # before fetching anything from the peer
        if kind == "programme":
            fetched = receive.prepare_programme(peer, message)
        with transaction.atomic():
            result = receive.receive(peer, kind, message, fetched)
    except receive.Refused as exc:
        return refuse(request, exc.status, exc.code, exc.message, **fields)
    except ValidationError as exc:
        refused = receive.wrap_validation(exc)
        return refuse(request, refused.status, refused.code, refused.message, **fields)
    except IntegrityError:
        # The same item arrived twice at once (two deliveries crossing): the other one holds it
        # now; this one left nothing (its transaction rolled back). 409: the sender tries again
        # and is answered "unchanged" or "duplicate".
        text = "Nội dung này đang được nhận từ một bản tin khác cùng lúc: gửi lại sau."
        return refuse(request, 409, "conflict", text, **fields)
    finally:
        if fetched is not None and os.path.exists(fetched["path"]):
            os.remove(fetched["path"])
    record(request, 200, accepted=True, text=json.dumps(result, ensure_ascii=False), **fields)
    return JsonResponse(result, json_dumps_params={"ensure_ascii": False})


@require_GET
def audio_view(request, pk):
    """A programme's normalised audio, for a peer we sent it to (signed GET)."""
    try:
        peer, verified = check_signature(request, b"")
    except signing.SignatureError as exc:
        return refuse(request, exc.status, exc.code, exc.message, key_id=_key_id_of(request), kind="programme")
    from station.models import Programme

    programme = Programme.objects.filter(pk=pk).select_related("file").first()
    sent = OutgoingMessage.objects.filter(peer=peer, object_key=f"programme:{pk}").exists()
    if programme is None or programme.file is None or not sent:
        return refuse(
            request, 404, "not_found", "Không có chương trình này cho hệ thống của bạn.", peer=peer, kind="programme"
        )
    record(request, 200, peer=peer, key_id=verified.key_id, kind="programme", accepted=True, text="Tải âm thanh")
    try:
        handle = open(os.path.join(settings.MEDIA_ROOT, programme.file.path), "rb")  # noqa: SIM115 (FileResponse closes it)
    except OSError:
        raise Http404 from None
    return FileResponse(handle, content_type="audio/mpeg")


@require_GET
def key_view(request):
    """This installation's public key and key id: what a peer enters when pairing."""
    try:
        public = keys.public_key()
    except keys.NoKey as exc:
        return error(503, "no_key", str(exc))
    return JsonResponse(
        {"public_key": public, "key_id": keys.key_id(), "algorithm": "ed25519"},
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def openapi_json(request):
    response = JsonResponse(openapi.document(), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def openapi_html(request):
    return TemplateResponse(request, "exchange/api_doc.html", {"doc": openapi.readable()})
