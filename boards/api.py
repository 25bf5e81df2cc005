"""Player API v1: what a board's player fetches and reports (docs/architecture.md, "Player protocol v1").

    GET|HEAD /api/boards/v1/<board>/playlist.json   the current version, absolute media URLs
    GET|HEAD /api/boards/v1/<board>/playlist.smil   the same in A-SMIL (boards/smil.py)
    GET|HEAD /api/boards/v1/<board>/playlist.m3u    the same for VLC/mpv
    POST     /api/boards/v1/<board>/heartbeat       JSON ≤ 16 KiB → Heartbeat + BoardStatus
    POST     /api/boards/v1/<board>/screenshot      multipart `screenshot` PNG/JPEG ≤ 1 MiB
    POST     /api/boards/v1/<board>/plays           JSON list ≤ 500 → PlayRecord (idempotent)
    GET|HEAD /api/boards/v1/media/<sha256>.<ext>    a RenderedFile, public, immutable, byte ranges

Every board request carries `Authorization: Bearer <token>`; the token is stored as its sha256
(Board.token_hash, indexed) and the board is found BY that hash, never by the number in the URL
first: a token no board holds is 401 `invalid_token`, the same body whether the URL's board
exists or not, and in the same time (one indexed look-up either way); a good token on another
board's URL is 403 `wrong_board`; an inactive board's token is 403 `inactive_board` on every
endpoint, `me` too. Errors are JSON `{"error": {"code", "message"}}` with a Vietnamese message
and a 4xx status.

What players send is read by core.http.read_json: a bad Content-Length, a body over its limit,
JSON nested deeper than 32 levels, text with NUL or half a UTF-16 surrogate pair ("\ud800", in
`playing`, the player's name, an `item_id` …) are 400 with the reason, never a 500. A screenshot
is judged by its data, not its header: a PNG's data must inflate to exactly what its declared
size needs (`png_fills_its_size`), and every picture is decoded in full with cut-off data refused
(Pillow `load()`, core/images.py).

Media URLs in playlists, and the server in the pairing QR code, are built from configuration,
never from the Host header as sent: the address of the Site whose hostname the request came to
(its port, hence http/https, from the Site), else WAGTAILADMIN_BASE_URL (`public_base`).

Conditional GETs (the 304 path). A poll is answered from ONE indexed query: the board row of the
token's hash with its newest version's number, fingerprint and generated_at (a join on
MAX(number)) (`_board_head`); the version's items are read, and URLs composed, only on a 200.
Nothing is ever rendered here (rendering is boards/publishing.py's, in the task queue). By
default there is no cache in front of that query, so a new PlaylistVersion is visible on the
very next poll without any invalidation. `BOARDS_API_CACHE_SECONDS` (0 by default, capped at 5)
keeps the (board, active, refresh, number, fingerprint, generated_at) tuple in Django's cache
keyed by the token's hash for a fleet behind Redis: a new version then shows within that many
seconds, which is far below any refresh interval (≥ 30 s); issuing or revoking a token through
`issue_token`/`revoke_token` deletes the entry at once.

A board with no version yet answers 404 `no_playlist` with `Retry-After` (its refresh
interval): a player keeps what it has and asks again.
"""

import datetime
import functools
import hashlib
import io
import json
import logging
import os
import struct
import zlib

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import split_domain_port
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.csrf import csrf_exempt
from PIL import Image, UnidentifiedImageError
from wagtail.models import Site

from areas.scoping import UnitScopedPolicy
from boards import channel
from boards.broker import hash_password
from boards.models import Board, BoardStatus, Heartbeat, PlaylistVersion, PlayRecord, RenderedFile
from boards.smil import build_m3u, build_smil
from core import http, site_roots
from core.http import BadRequestData, etag_matches
from core.images import truncated_images_refused

log = logging.getLogger(__name__)

HEARTBEAT_MAX_BYTES = 16 * 1024
PLAYS_MAX_BYTES = 256 * 1024
PLAYS_MAX_ITEMS = 500
SCREENSHOT_MAX_BYTES = 1024 * 1024
SCREENSHOT_MAX_SIDE = 7680
SCREENSHOT_MAX_PIXELS = 7680 * 4320
HEARTBEAT_HISTORY_EVERY = datetime.timedelta(hours=1)
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)  # player clocks drift; more than this is refused
CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "mp4": "video/mp4",
    "mp3": "audio/mpeg",
    "ttf": "font/ttf",  # a zoned screen's font, for players that draw the ticker and the clock
}
CACHE_KEY = "boards:api:v1:head:{}"


# --- Errors ----------------------------------------------------------------------------------


class ApiError(Exception):
    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def error(status, code, message, headers=None):
    response = JsonResponse(
        {"error": {"code": code, "message": message}}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _bad(code, message):
    return ApiError(400, code, message)


def _methods(*allowed):
    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in allowed:
                return error(
                    405,
                    "method_not_allowed",
                    "Phương thức không được hỗ trợ ở địa chỉ này.",
                    {"Allow": ", ".join(allowed)},
                )
            try:
                return view(request, *args, **kwargs)
            except ApiError as exc:
                return error(exc.status, exc.code, exc.message, exc.headers)
            except BadRequestData as exc:
                return error(400, exc.code, exc.message)
            except RequestDataTooBig:
                return error(400, "too_large", "Dữ liệu gửi lên quá lớn.")
            except MultiPartParserError:
                return error(400, "invalid_body", "Dữ liệu multipart/form-data không hợp lệ.")

        return csrf_exempt(wrapper)

    return decorate


# --- Tokens ----------------------------------------------------------------------------------


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _forget(*digests):
    cache.delete_many([CACHE_KEY.format(d) for d in digests if d])


def _current_hash(board):
    return Board.objects.filter(pk=board.pk).values_list("token_hash", flat=True).first() or ""


def issue_token(board):
    """A new token for `board` (the old one stops working at once, on the channel too: the
    sender rewrites the broker's files); returned once, stored hashed."""
    old = _current_hash(board)
    token = board.new_token()
    Board.objects.filter(pk=board.pk).update(
        token_hash=board.token_hash, mqtt_hash=board.mqtt_hash, credentials_at=board.credentials_at
    )
    _forget(old, board.token_hash)
    return token


def revoke_token(board):
    """No token works for `board` until a new one is issued; its channel is cut."""
    old = _current_hash(board) or board.token_hash
    board.token_hash = board.mqtt_hash = ""
    board.credentials_at = timezone.now()
    Board.objects.filter(pk=board.pk).update(token_hash="", mqtt_hash="", credentials_at=board.credentials_at)
    _forget(old)


def _bearer(request):
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise ApiError(
            401,
            "missing_token",
            "Thiếu mã truy cập của bảng (Authorization: Bearer …).",
            {"WWW-Authenticate": 'Bearer realm="tincoso-boards"'},
        )
    return token


def _invalid_token():
    """The one answer to a token no board holds, whichever board the URL names."""
    return ApiError(
        401,
        "invalid_token",
        "Mã truy cập không đúng hoặc đã bị thu hồi.",
        {"WWW-Authenticate": 'Bearer realm="tincoso-boards", error="invalid_token"'},
    )


def _board_head(digest):
    """(board id, is_active, refresh_seconds, number, fingerprint, generated_at) of the board
    whose token has this sha256 and of its newest version, in one indexed query (the token hash's
    index finds the board, the unique (board, number) index answers the MAX), or from the cache
    when BOARDS_API_CACHE_SECONDS > 0; None when no board holds the token."""
    ttl = min(5, int(getattr(settings, "BOARDS_API_CACHE_SECONDS", 0) or 0))
    key = CACHE_KEY.format(digest)
    if ttl > 0:
        cached = cache.get(key)
        if cached is not None:
            return cached
    with connection.cursor() as cursor:
        cursor.execute(_head_sql(), [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    board_id, active, refresh, number, fingerprint, generated_at = row
    if isinstance(generated_at, str):  # SQLite hands back text: UTC, as Django stores it
        generated_at = datetime.datetime.fromisoformat(generated_at)
    if generated_at is not None and generated_at.tzinfo is None:
        generated_at = generated_at.replace(tzinfo=datetime.UTC)
    row = (int(board_id), bool(active), int(refresh), number, fingerprint, generated_at)
    if ttl > 0:
        cache.set(key, row, ttl)
    return row


@functools.cache
def _head_sql():
    """One statement, written once: the ORM's compiler costs more than the query on this path."""
    q = connection.ops.quote_name
    board, version = q(Board._meta.db_table), q(PlaylistVersion._meta.db_table)
    return (
        f"SELECT b.{q('id')}, b.{q('is_active')}, b.{q('refresh_seconds')}, v.{q('number')}, "
        f"v.{q('fingerprint')}, v.{q('generated_at')} FROM {board} b LEFT JOIN {version} v "
        f"ON v.{q('board_id')} = b.{q('id')} AND v.{q('number')} = "
        f"(SELECT MAX(w.{q('number')}) FROM {version} w WHERE w.{q('board_id')} = b.{q('id')}) "
        f"WHERE b.{q('token_hash')} = %s"
    )


def _authorize(request, board_id):
    """The board's head row, once the bearer token is this board's own (else an ApiError)."""
    head = _board_head(_hash(_bearer(request)))
    if head is None:
        raise _invalid_token()
    if head[0] != board_id:
        raise ApiError(403, "wrong_board", "Mã truy cập này thuộc một bảng khác.")
    if not head[1]:
        raise _inactive()
    return head


def _inactive():
    return ApiError(403, "inactive_board", "Bảng này đang tạm ngừng hoạt động.")


@_methods("GET")
def me(request):
    """`{board, name}` of the bearer token's board: a player paired with a token alone finds its
    board number here once (player/client.py, resolve_board)."""
    token = _bearer(request)
    board = Board.objects.filter(token_hash=_hash(token)).first()
    if board is None:
        raise _invalid_token()
    if not board.is_active:
        raise _inactive()
    ensure_channel_credentials(board, token)
    return JsonResponse({"board": board.pk, "name": board.name, "channel": channel.channel_info(board)})


def channel_etag():
    """Part of every playlist's ETag: changes when the channel is turned on or moved, so every
    player fetches its playlist once and learns of it (a 304 carries no body)."""
    return _channel_tag(getattr(settings, "MQTT_PUBLIC_URL", ""), settings.MQTT_PREFIX)


@functools.lru_cache(maxsize=8)
def _channel_tag(url, prefix):
    """Hashed once per address, not on every poll (the 304 path)."""
    return "-c" + hashlib.sha256(f"{url} {prefix}".encode()).hexdigest()[:8] if url else ""


def ensure_channel_credentials(board, token):
    """A board paired before the channel existed has no broker hash: the token it has just
    proved is hashed for the broker now (the sender then adds it to the broker's files)."""
    if board.mqtt_hash or not getattr(settings, "MQTT_PUBLIC_URL", ""):
        return
    board.mqtt_hash, board.credentials_at = hash_password(token), timezone.now()
    Board.objects.filter(pk=board.pk, token_hash=_hash(token), mqtt_hash="").update(
        mqtt_hash=board.mqtt_hash, credentials_at=board.credentials_at
    )


def jitter_seconds(refresh_seconds):
    return max(1, refresh_seconds // 10)


# --- Conditional requests --------------------------------------------------------------------


def is_not_modified(request, etag, last_modified):
    """RFC 9110: If-None-Match (strong, weak or a list) wins; If-Modified-Since only without it."""
    inm = request.META.get("HTTP_IF_NONE_MATCH")
    if inm is not None:
        return etag_matches(inm, etag)
    ims = request.META.get("HTTP_IF_MODIFIED_SINCE")
    if ims:
        since = parse_http_date_safe(ims)
        return since is not None and since >= int(last_modified)
    return False


def _validators(response, etag, last_modified):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = "no-cache"
    return response


def _head_only(request, response):
    if request.method == "HEAD":
        length = len(response.content)
        response.content = b""
        response["Content-Length"] = str(length)
    return response


# --- Playlists -------------------------------------------------------------------------------


def _media_path(sha256, ext):
    return reverse("boards_api:media", kwargs={"sha256": sha256, "ext": ext})


def public_base(request):
    """Where players reach this server, from configuration: the root URL of the Site whose
    hostname the request came to (its port, hence http or https, is the Site's), else
    WAGTAILADMIN_BASE_URL. The Host header only chooses among configured Sites; one that names
    none (another name under BASE_DOMAIN, an IP address) gets WAGTAILADMIN_BASE_URL, and one
    outside ALLOWED_HOSTS is Django's 400 before this."""
    hostname, _port = split_domain_port(request.get_host())
    rows = site_roots.get_host_index().by_host.get(hostname, ())
    if rows:
        row = next((r for r in rows if str(r[2]) == str(request.get_port())), rows[0])
        return Site(hostname=row[1], port=row[2]).root_url
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def _ext(item):
    ext = item.get("url", "").rsplit(".", 1)[-1].lower()
    return ext if ext in CONTENT_TYPES else {"video": "mp4", "audio": "mp3"}.get(item.get("kind"), "png")


def _playlist_view(render):
    """A playlist format: `render(request, board, version, items) -> (bytes, content_type)`."""

    @_methods("GET", "HEAD")
    @functools.wraps(render)
    def view(request, board_id):
        _token_hash, _active, refresh, number, fingerprint, generated_at = _authorize(request, board_id)
        if number is None:
            raise ApiError(
                404, "no_playlist", "Bảng chưa có danh sách phát; hãy hỏi lại sau.", {"Retry-After": str(refresh)}
            )
        etag = f'"{fingerprint}{channel_etag()}"'
        last_modified = generated_at.timestamp()
        if is_not_modified(request, etag, last_modified):
            return _validators(HttpResponse(status=304), etag, last_modified)
        version = (
            PlaylistVersion.objects.select_related("board", "video").filter(board_id=board_id, number=number).first()
        )
        if version is not None:
            ensure_channel_credentials(version.board, _bearer(request))
        if version is None:  # replaced between the two reads: the player asks again
            raise ApiError(404, "no_playlist", "Danh sách phát vừa thay đổi; hãy hỏi lại.", {"Retry-After": "1"})
        base = public_base(request) + _media_path("0" * 64, "png")
        items = [
            {**item, "url": base.replace("0" * 64 + ".png", f"{item['sha256']}.{_ext(item)}")} for item in version.items
        ]
        body, content_type = render(request, version.board, version, items, base)
        response = HttpResponse(body, content_type=content_type)
        return _head_only(request, _validators(response, etag, last_modified))

    return view


@_playlist_view
def playlist_json(request, board, version, items, base):
    video = None
    if version.video is not None:
        video = {
            "url": base.replace("0" * 64 + ".png", f"{version.video.sha256}.{version.video.kind}"),
            "sha256": version.video.sha256,
            "bytes": version.video.size,
            "duration_s": sum(float(i.get("duration_s") or 0) for i in version.items if i.get("kind") == "image"),
        }
    body = {
        "channel": channel.channel_info(board),
        "version": version.number,
        "generated_at": version.generated_at.isoformat(),
        "refresh_seconds": board.refresh_seconds,
        "jitter_seconds": jitter_seconds(board.refresh_seconds),
        "emergency": version.emergency,
        "board": {"id": board.pk, "name": board.name, "width": board.width, "height": board.height},
        "items": items,
        "video": video,
    }
    if board.is_audio:  # a loudspeaker cluster: when to play (boards/composition.py, compose_audio)
        body["board"]["kind"] = board.kind
        body.update({key: version.schedule.get(key) for key in AUDIO_SCHEDULE_KEYS})
    else:  # a screen: when it is on (its operating hours), None = always; its zones (None: whole screen)
        body["power"] = version.schedule.get("power")
        body["layout"] = layout_for_player(version, base)
    return json.dumps(body, ensure_ascii=False).encode(), "application/json"


AUDIO_SCHEDULE_KEYS = (
    "broadcast_times",
    "emergency_repeat_s",
    "timezone",
    "utc_offset",
    "airings",
    "airings_until",
    "volumes",
)


def layout_for_player(version, base):
    """The version's screen layout (schedule["layout"], the zone contract of
    docs/architecture.md) as players get it, or None (a whole-screen board): a copy whose font
    and image zones carry absolute URLs, made like the items' from `base` (the media URL of
    the all-zero hash, as _playlist_view gives). Used by playlist.json and playlist.smil."""
    layout = (version.schedule or {}).get("layout")
    if not isinstance(layout, dict) or not layout.get("zones"):
        return None

    def absolute(entry, default_ext):
        if not isinstance(entry, dict) or not entry.get("sha256"):
            return entry
        ext = str(entry.get("url") or "").rsplit(".", 1)[-1].lower() if "." in str(entry.get("url") or "") else ""
        ext = ext if ext.isalnum() and len(ext) <= 5 else default_ext
        return {**entry, "url": base.replace("0" * 64 + ".png", f"{entry['sha256']}.{ext}")}

    zones = [absolute(z, "png") if z.get("role") == "image" else dict(z) for z in layout["zones"]]
    return {**layout, "font": absolute(layout.get("font"), "ttf"), "zones": zones}


ZONE_PAGES = {"clock": "boards/zone-clock.html", "ticker": "boards/zone-ticker.html"}


def zone_pages(request):
    """{"clock": url, "ticker": url}: the absolute URLs of the pages an A-SMIL player shows in
    those zones (boards/static/boards/, boards/smil.py)."""
    pages = {}
    for role, name in ZONE_PAGES.items():
        url = static(name)
        pages[role] = url if url.startswith(("http://", "https://")) else public_base(request) + url
    return pages


@_playlist_view
def playlist_smil(request, board, version, items, base):
    if board.is_audio:
        body = build_smil(
            None,
            None,
            board.refresh_seconds,
            items,
            schedule=version.schedule or {},
            day=timezone.localtime(version.generated_at).date(),
        )
    else:
        video = None
        if version.video is not None and board.wants_video and not board.wants_images:
            # A board that plays video only: its playlist MP4 in place of the slides (boards/smil.py).
            video = {
                "url": base.replace("0" * 64 + ".png", f"{version.video.sha256}.{version.video.kind}"),
                "duration_s": sum(float(i.get("duration_s") or 0) for i in version.items if i.get("kind") == "image"),
            }
        # The playlist MP4 has the zones composed in: a video-only board plays it on the whole screen.
        layout = None if video else layout_for_player(version, base)
        widgets = zone_pages(request) if layout else None
        body = build_smil(
            board.width, board.height, board.refresh_seconds, items, video=video, layout=layout, widgets=widgets
        )
    return body, "application/smil+xml; charset=utf-8"


@_playlist_view
def playlist_m3u(request, board, version, items, base):
    if version.video is not None and layout_for_player(version, base) and not board.is_audio:
        # One stream: the playlist MP4 is the whole screen, its zones composed in (boards/video.py).
        duration = sum(float(i.get("duration_s") or 0) for i in version.items if i.get("kind") == "image")
        items = [
            {
                "kind": "video",
                "url": base.replace("0" * 64 + ".png", f"{version.video.sha256}.{version.video.kind}"),
                "duration_s": duration,
                "title": board.name,
            }
        ]
    return build_m3u(board.name, items), "audio/x-mpegurl; charset=utf-8"


# --- Media -----------------------------------------------------------------------------------


@_methods("GET", "HEAD")
def media(request, sha256, ext):
    file = RenderedFile.objects.filter(sha256=sha256.lower()).first()
    ext = ext.lower()
    if file is None or CONTENT_TYPES.get(ext) != CONTENT_TYPES.get(file.kind):
        raise ApiError(404, "unknown_file", "Không có tệp này.")
    return serve_file(
        request,
        os.path.join(settings.MEDIA_ROOT, file.path),
        CONTENT_TYPES[ext],
        etag=file.sha256,
        last_modified=file.created_at.timestamp(),
    )


def serve_file(request, path, content_type, **kwargs):
    """core.http.serve_file with the API's JSON errors: 404 when the file is gone, 416 for a
    range outside it."""
    try:
        return http.serve_file(request, path, content_type, unsatisfiable=_unsatisfiable, **kwargs)
    except http.FileMissing:
        raise ApiError(404, "missing_file", "Tệp không còn trên máy chủ.") from None


def _unsatisfiable(size):
    return error(
        416,
        "range_not_satisfiable",
        "Khoảng byte yêu cầu nằm ngoài tệp.",
        {"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"},
    )


# --- Reports from the player -----------------------------------------------------------------


def _json_body(request, limit):
    """The body as JSON (core.http.read_json: Content-Length, size, depth, text); BadRequestData
    becomes a 400 in _methods."""
    return http.read_json(request, limit)


def _count(data, name, maximum=2**62, required=False):
    value = data.get(name)
    if value is None:
        if required:
            raise _bad("invalid_field", f"Thiếu trường “{name}”.")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise _bad("invalid_field", f"Trường “{name}” phải là số nguyên không âm.")
    return value


def _is_text(value, maximum, minimum=0):
    """A string of minimum..maximum characters without NUL (which PostgreSQL refuses to store)."""
    return isinstance(value, str) and minimum <= len(value) <= maximum and "\x00" not in value


def _text(data, name, maximum):
    value = data.get(name)
    if value is None:
        return ""
    if not _is_text(value, maximum):
        raise _bad("invalid_field", f"Trường “{name}” phải là chuỗi tối đa {maximum} ký tự (không có ký tự NUL).")
    return value


def _player_label(data):
    player = data.get("player")
    if player is None:
        return ""
    if not isinstance(player, dict):
        raise _bad("invalid_field", 'Trường “player” phải là {"name", "version"}.')
    name, version = _text(player, "name", 60), _text(player, "version", 40)
    return f"{name} {version}".strip()


def _address(request):
    address = request.META.get("REMOTE_ADDR") or None
    return address if address and len(address) <= 45 else None


def _current_reply(head):
    _h, _a, refresh, number, _f, _g = head
    return {"ok": True, "version": number, "refresh_seconds": refresh, "jitter_seconds": jitter_seconds(refresh)}


@_methods("POST")
def heartbeat(request, board_id):
    """`{version, playing, cache_bytes, free_bytes, uptime_s, errors: [str], player: {name, version}}`."""
    head = _authorize(request, board_id)
    data = _json_body(request, HEARTBEAT_MAX_BYTES)
    if not isinstance(data, dict):
        raise _bad("invalid_body", "Nhịp tim phải là một đối tượng JSON.")
    errors = data.get("errors") or []
    if not isinstance(errors, list) or len(errors) > 20 or not all(_is_text(e, 500) for e in errors):
        raise _bad("invalid_field", "Trường “errors” phải là danh sách tối đa 20 chuỗi, mỗi chuỗi tối đa 500 ký tự.")
    fields = {
        "version": _count(data, "version", 2**31 - 1),
        "playing": _text(data, "playing", 60),
        "cache_bytes": _count(data, "cache_bytes"),
        "free_bytes": _count(data, "free_bytes"),
        "uptime_s": _count(data, "uptime_s"),
        "player": _player_label(data),
    }
    now = timezone.now()
    with transaction.atomic():
        # The history keeps a heartbeat an hour per board (what the indicators read), and every
        # one that reports errors or a new version; "last seen" is always now (BoardStatus).
        previous = BoardStatus.objects.filter(board_id=board_id).values_list("version", flat=True).first()
        if (
            errors
            or fields["version"] != previous
            or not Heartbeat.objects.filter(board_id=board_id, received_at__gt=now - HEARTBEAT_HISTORY_EVERY).exists()
        ):
            Heartbeat.objects.create(board_id=board_id, received_at=now, errors=errors, **fields)
        BoardStatus.objects.update_or_create(
            board_id=board_id, defaults={"last_seen_at": now, "address": _address(request), **fields}
        )
    return JsonResponse(_current_reply(head))


def _moment(value, now):
    try:
        moment = parse_datetime(value) if _is_text(value, 40) else None
        if moment is not None and moment.tzinfo is not None:
            moment = moment.astimezone(datetime.UTC)  # year 1 at +07:00 overflows here
    except (ValueError, OverflowError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _bad("invalid_field", "“started_at” phải là thời điểm ISO-8601 có múi giờ.")
    if moment.year < 2000:
        raise _bad("invalid_field", "“started_at” trước năm 2000 (đồng hồ của bảng có đúng không?).")
    if moment > now + FUTURE_TOLERANCE:
        raise _bad("future_time", "“started_at” ở quá xa trong tương lai (đồng hồ của bảng có đúng không?).")
    return moment


@_methods("POST")
def plays(request, board_id):
    """A JSON list (≤ 500) of `{item_id, started_at, duration_s}`; replays are counted as duplicates."""
    _authorize(request, board_id)
    data = _json_body(request, PLAYS_MAX_BYTES)
    if not isinstance(data, list):
        raise _bad("invalid_body", "Cần một danh sách JSON các lượt phát.")
    if len(data) > PLAYS_MAX_ITEMS:
        raise _bad("too_many", f"Tối đa {PLAYS_MAX_ITEMS} lượt phát mỗi lần gửi.")
    now = timezone.now()
    records = {}
    for entry in data:
        if not isinstance(entry, dict):
            raise _bad("invalid_body", "Mỗi lượt phát phải là một đối tượng JSON.")
        item_id = entry.get("item_id")
        if not _is_text(item_id, 60, minimum=1):
            raise _bad("invalid_field", "“item_id” phải là chuỗi từ 1 đến 60 ký tự.")
        duration = entry.get("duration_s")
        if isinstance(duration, bool) or not isinstance(duration, int | float) or not 0 <= duration <= 86400:
            raise _bad("invalid_field", "“duration_s” phải là số giây từ 0 đến 86400.")
        started = _moment(entry.get("started_at"), now)
        records.setdefault(
            (item_id, started),
            PlayRecord(
                board_id=board_id, item_id=item_id, started_at=started, duration_s=float(duration), received_at=now
            ),
        )
    with transaction.atomic():
        existing = set()
        if records:
            existing = set(
                PlayRecord.objects.filter(
                    board_id=board_id,
                    item_id__in={k[0] for k in records},
                    started_at__in={k[1] for k in records},
                ).values_list("item_id", "started_at")
            )
        new = [record for key, record in records.items() if key not in existing]
        PlayRecord.objects.bulk_create(new, ignore_conflicts=True)
    return JsonResponse({"accepted": len(new), "duplicates": len(data) - len(new)})


@_methods("POST")
def screenshot(request, board_id):
    """multipart/form-data with a `screenshot` file: a real PNG or JPEG, ≤ 1 MiB, ≤ 7680 px a side."""

    _authorize(request, board_id)
    declared = http.declared_length(request) or 0
    if declared > SCREENSHOT_MAX_BYTES + 16 * 1024:
        raise _bad("too_large", "Ảnh chụp màn hình quá lớn (tối đa 1 MiB).")
    upload = request.FILES.get("screenshot")
    if upload is None:
        raise _bad("missing_file", "Thiếu tệp “screenshot” (multipart/form-data).")
    if upload.size > SCREENSHOT_MAX_BYTES:
        raise _bad("too_large", "Ảnh chụp màn hình quá lớn (tối đa 1 MiB).")
    data = upload.read()
    kind, width, height = check_screenshot(data)
    now = timezone.now()
    ext = "png" if kind == "PNG" else "jpg"
    with transaction.atomic():
        status, _created = BoardStatus.objects.select_for_update().get_or_create(
            board_id=board_id, defaults={"last_seen_at": now}
        )
        old = status.screenshot.name if status.screenshot else ""
        status.screenshot.save(f"board-{board_id}-{now:%Y%m%d%H%M%S%f}.{ext}", ContentFile(data), save=False)
        status.screenshot_at = status.last_seen_at = now
        status.save(update_fields=["screenshot", "screenshot_at", "last_seen_at"])
    if old and old != status.screenshot.name:
        try:
            status.screenshot.storage.delete(old)
        except OSError:
            log.warning("board %s: could not delete old screenshot %s", board_id, old)
    return JsonResponse({"ok": True, "width": width, "height": height})


BAD_IMAGE = "Tệp không phải ảnh PNG hoặc JPEG hợp lệ."
CUT_OFF = "Ảnh hỏng hoặc bị cắt cụt: dữ liệu không đủ cho kích thước ảnh khai báo."
PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # by colour type
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def png_fills_its_size(data):
    """True when a PNG's compressed data inflates to exactly the bytes its header's size needs
    (rows of filter byte + pixels, Adam7 passes when interlaced). Pillow does not check this: its
    decoder stops at the end of the zlib stream and leaves the missing rows black. Inflated in
    pieces of 1 MiB, so memory stays small whatever the header says; stops as soon as it is
    longer than needed."""
    position, header, compressed = 8, None, []
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR" and len(body) >= 13:
            header = struct.unpack(">IIBBBBB", body[:13])
        elif kind == b"IDAT":
            compressed.append(body)
        elif kind == b"IEND":
            break
        position += 12 + length
    if header is None or header[3] not in PNG_CHANNELS:
        return False
    width, height, depth, colour, _compression, _filter, interlace = header
    bits = PNG_CHANNELS[colour] * depth

    def size(w, h):
        return h * (1 + -(-w * bits // 8)) if w and h else 0

    if interlace:
        needed = sum(
            size(-(-(width - x) // dx), -(-(height - y) // dy)) for x, y, dx, dy in ADAM7 if width > x and height > y
        )
    else:
        needed = size(width, height)
    inflater, produced = zlib.decompressobj(), 0
    try:
        for piece in compressed:
            while piece:
                produced += len(inflater.decompress(piece, 1 << 20))
                piece = inflater.unconsumed_tail
                if produced > needed:
                    return False
        produced += len(inflater.flush())
    except zlib.error:
        return False
    return produced == needed


def check_screenshot(data):
    """(format, width, height) of a screenshot that is a whole PNG or JPEG: its header's size
    within the limits, and its data filling that size (a 1 KB file that says 7680×4320 is
    refused): a PNG's inflated data is measured against its header (png_fills_its_size), then
    every picture is decoded in full with cut-off data refused (core/images.py); a large JPEG
    decodes at 1/8 scale (libjpeg still reads all of it)."""
    try:
        with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as image:
            kind, (width, height) = image.format, image.size
            if max(width, height) > SCREENSHOT_MAX_SIDE or width * height > SCREENSHOT_MAX_PIXELS:
                raise _bad("bad_image", "Ảnh chụp màn hình quá lớn về kích thước.")
            image.verify()
        if kind == "PNG" and not png_fills_its_size(data):
            raise _bad(
                "bad_image",
                f"Ảnh PNG khai báo {width}×{height} điểm ảnh nhưng dữ liệu không đủ (hoặc thừa) cho chừng ấy.",
            )
        with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as image:
            if kind == "JPEG" and max(width, height) > 1024:
                image.draft("RGB", (-(-width // 8), -(-height // 8)))
            with truncated_images_refused():  # core/images.py: a cut-off file is an error
                image.load()
    except ApiError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise _bad("bad_image", BAD_IMAGE) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, struct.error):
        raise _bad("bad_image", CUT_OFF) from None
    return kind, width, height


# --- Pairing (admin) -------------------------------------------------------------------------


def pairing_payload(request, board, token):
    """What the QR code carries: the server, the board and its token, and where its player
    joins the real-time channel (its password there is the same token), when there is one."""
    payload = {"server": public_base(request), "board": board.pk, "token": token}
    info = channel.channel_info(board)
    if info is not None:
        payload["mqtt"] = {"url": info["url"], "username": info["username"], "prefix": info["prefix"]}
    return json.dumps(payload, separators=(",", ":"))


def qr_svg(text):
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return svg.split("?>", 1)[-1].strip()  # inline: no XML declaration


def pairing_view(request, pk):
    """The board's pairing screen in the admin: POST `action=rotate` issues a new token, shown
    once with its QR code; POST `action=revoke` revokes it. GET only shows the state."""

    board = get_object_or_404(Board.objects.select_related("owner"), pk=pk)
    user = request.user
    if not (user.is_authenticated and UnitScopedPolicy(Board).user_has_permission_for_instance(user, "change", board)):
        raise Http404
    token = payload = svg = None
    done = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "rotate":
            token = issue_token(board)
            payload = pairing_payload(request, board, token)
            svg = qr_svg(payload)
            done = "rotated"
        elif action == "revoke":
            revoke_token(board)
            done = "revoked"
        else:
            return HttpResponse("Thao tác không hợp lệ.", status=400, content_type="text/plain; charset=utf-8")
    elif request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    status = BoardStatus.objects.filter(board=board).first()
    response = TemplateResponse(
        request,
        "boards/admin/pairing.html",
        {
            "board": board,
            "has_token": bool(board.token_hash),
            "token": token,
            "payload": payload,
            "qr_svg": svg,
            "done": done,
            "status": status,
            "playlist_url": public_base(request) + reverse("boards_api:playlist_json", args=[board.pk]),
            "channel": channel.channel_info(board) if board.token_hash else None,
            "control_url": reverse("boards:control", args=[board.pk]),
            "header_title": f"Ghép nối bảng: {board.name}",
            "page_title": board.name,
            "header_icon": "desktop",
        },
    )
    response["Cache-Control"] = "private, no-store"  # the token is shown once
    return response
