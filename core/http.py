"""HTTP for the project's endpoints.

Serving files the way players and browsers resume them: ETag and Last-Modified validators, one
byte range (206/416, If-Range), streamed from disk without reading the file into memory. Used by
the boards' media URLs and the "Nghe thông báo" audio.

Reading what clients send, safely: `read_json` / `parse_json` (the Player API, the real-time
channel's messages, the live ingest's) answer every malformed body with BadRequestData (a
ValueError with a code and a Vietnamese message, for a 400), never a 500: a Content-Length that is
not a whole number, a body over its limit, bytes that are not UTF-8 JSON, nesting deeper than
MAX_JSON_DEPTH (Python's json recurses: deep enough, it raises RecursionError), text that a
database cannot store (NUL, which PostgreSQL refuses, or half of a UTF-16 surrogate pair such as
"\ud800", which no UTF-8 encoder takes). ContentLengthMiddleware refuses a malformed
Content-Length before any view or CSRF reads the body (Django's request.body and request.POST
raise ValueError on it; gunicorn refuses it itself, runserver passes it on).
"""

import json
import os
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import FileResponse, HttpResponse, JsonResponse
from django.utils.http import http_date


class FileMissing(Exception):
    """The file to serve is no longer on disk."""


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind nginx (settings.TRUST_X_FORWARDED_FOR) the
    last address of X-Forwarded-For, the one nginx appended ($proxy_add_x_forwarded_for).
    Addresses to its left are whatever the client sent and would let one client pose as many
    (the questions' rate limits and the admin login's lockout both count by this address)."""
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")


def etag_matches(header, etag):
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header, size):
    """`(start, end)` inclusive for one `bytes=` range, None to send it all, "unsatisfiable" for 416."""
    match = RANGE.match(header.strip()) if header else None
    if match is None:
        return None  # absent, multi-range or another unit: the whole file (RFC 9110 allows it)
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = int(last)
        if length == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return "unsatisfiable"
    return start, end


class _Slice:
    """A file object limited to `length` bytes from its current position (for FileResponse)."""

    def __init__(self, handle, length):
        self.handle, self.remaining = handle, length

    def read(self, size=-1):
        if self.remaining <= 0:
            return b""
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self.handle.read(size)
        self.remaining -= len(data)
        return data

    def close(self):
        self.handle.close()


IMMUTABLE = "public, max-age=31536000, immutable"


def serve_file(
    request, path, content_type, *, etag, last_modified, cache_control=IMMUTABLE, headers=None, unsatisfiable=None
):
    """A file from disk for GET/HEAD with `ETag` (304 on If-None-Match), `Last-Modified` and one
    byte range (`206`, `416`, If-Range), streamed. Raises ApiError 404 when the file is gone.
    Shared by the boards' media URLs and the pages' "Nghe thông báo" audio (boards/listen.py).
    Raises FileMissing when the file is gone; `unsatisfiable(size)` makes the 416 answer."""
    try:
        size = os.path.getsize(path)
    except OSError:
        raise FileMissing(path) from None
    etag = f'"{etag}"'
    common = {
        "ETag": etag,
        "Cache-Control": cache_control,
        "Accept-Ranges": "bytes",
        "Last-Modified": http_date(last_modified),
        **(headers or {}),
    }
    if etag_matches(request.META.get("HTTP_IF_NONE_MATCH", ""), etag):
        response = HttpResponse(status=304)
        for name, value in common.items():
            response[name] = value
        return response
    wanted = parse_range(request.META.get("HTTP_RANGE", ""), size)
    if_range = request.META.get("HTTP_IF_RANGE")
    if wanted is not None and if_range and if_range.strip() != etag:
        wanted = None  # the player holds another file: send this one whole
    if wanted == "unsatisfiable":
        if unsatisfiable is not None:
            return unsatisfiable(size)
        response = HttpResponse(
            "Khoảng byte yêu cầu nằm ngoài tệp.", status=416, content_type="text/plain; charset=utf-8"
        )
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = wanted if wanted else (0, size - 1)
    length = max(0, end - start + 1)
    if request.method == "HEAD":
        response = HttpResponse(status=206 if wanted else 200, content_type=content_type)
    else:
        handle = open(path, "rb")  # noqa: SIM115 - closed by FileResponse
        handle.seek(start)
        response = FileResponse(_Slice(handle, length), status=206 if wanted else 200, content_type=content_type)
    response["Content-Length"] = str(length)
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    for name, value in common.items():
        response[name] = value
    return response


# --- What clients send -----------------------------------------------------------------------

MAX_JSON_DEPTH = 32
_DIGITS = re.compile(r"[0-9]+")
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


class BadRequestData(ValueError):
    """A request body (or message) that cannot be taken: `code` for programs, `message` in
    Vietnamese for people; answered with 400."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


BAD_CONTENT_LENGTH = "Độ dài nội dung (Content-Length) không hợp lệ: phải là một số nguyên không âm."


def declared_length(request):
    """The request's Content-Length as a number, None when it has none; BadRequestData when it is
    not a whole number (negative, "abc", "1e3" …)."""
    raw = request.META.get("CONTENT_LENGTH")
    if raw is None or not str(raw).strip():
        return None
    if not _DIGITS.fullmatch(str(raw).strip()):
        raise BadRequestData("bad_content_length", BAD_CONTENT_LENGTH)
    return int(str(raw).strip())


def too_large(limit):
    return BadRequestData("too_large", f"Dữ liệu gửi lên quá lớn (tối đa {limit // 1024} KiB).")


def read_json(request, limit, max_depth=MAX_JSON_DEPTH):
    """The request's JSON body, of at most `limit` bytes, checked by parse_json."""
    declared = declared_length(request)
    if declared is not None and declared > limit:
        raise too_large(limit)
    try:
        body = request.body
    except RequestDataTooBig:
        raise too_large(limit) from None
    if len(body) > limit:
        raise too_large(limit)
    return parse_json(body, max_depth)


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def parse_json(data, max_depth=MAX_JSON_DEPTH):
    """JSON from bytes (UTF-8) or text: nesting at most `max_depth` deep, no NaN or Infinity, and
    every string (keys too) free of NUL and of unpaired surrogates. BadRequestData otherwise."""
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequestData("invalid_json", "Dữ liệu không phải JSON UTF-8 hợp lệ.") from None
    try:
        value = json.loads(data, parse_constant=_no_constant)
    except RecursionError:
        raise _too_deep(max_depth) from None
    except ValueError:
        raise BadRequestData("invalid_json", "Dữ liệu không phải JSON hợp lệ.") from None
    check_json(value, max_depth)
    return value


def _too_deep(max_depth):
    return BadRequestData("too_deep", f"JSON lồng nhau quá sâu (tối đa {max_depth} cấp).")


def check_json(value, max_depth=MAX_JSON_DEPTH):
    """Walks a parsed JSON value without recursion: BadRequestData for nesting deeper than
    `max_depth` or a string no database stores."""
    stack = [(value, 1, "")]
    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, dict):
            if depth > max_depth:
                raise _too_deep(max_depth)
            for key, inner in item.items():
                check_text(key, where)  # a bad key is never echoed back
                stack.append((inner, depth + 1, f"{where}.{key}" if where else key))
        elif isinstance(item, list):
            if depth > max_depth:
                raise _too_deep(max_depth)
            stack.extend((inner, depth + 1, f"{where}[{n}]") for n, inner in enumerate(item))
        elif isinstance(item, str):
            check_text(item, where)


def check_text(value, where=""):
    """BadRequestData if `value` holds NUL or half of a UTF-16 surrogate pair."""
    if _BAD_TEXT.search(value):
        field = f"Trường “{where[:80]}”" if where else "Dữ liệu"
        raise BadRequestData(
            "invalid_text",
            f"{field} có ký tự không hợp lệ: ký tự NUL (\\u0000) hoặc nửa cặp thay thế UTF-16 "
            "(như \\ud800), không phải văn bản Unicode.",
        )
    return value


class ContentLengthMiddleware:
    """400 for a request whose Content-Length is not a non-negative whole number, before anything
    reads its body (Django raises ValueError on it: a 500). JSON under /api/, text elsewhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared_length(request)
        except BadRequestData as error:
            if request.path_info.startswith("/api/"):
                response = JsonResponse(
                    {"error": {"code": error.code, "message": error.message}},
                    status=400,
                    json_dumps_params={"ensure_ascii": False},
                )
            else:
                response = HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)
