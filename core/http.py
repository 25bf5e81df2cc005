"""Serving files over HTTP the way players and browsers resume them: ETag and Last-Modified
validators, one byte range (206/416, If-Range), streamed from disk without reading the file
into memory. Used by the boards' media URLs and the "Nghe thông báo" audio."""

import os
import re

from django.http import FileResponse, HttpResponse
from django.utils.http import http_date


class FileMissing(Exception):
    """The file to serve is no longer on disk."""


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
