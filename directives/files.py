"""Files of directives and answers: checked by their content, never by name or declared type.

Accepted: PDF (the "%PDF-" header), Office Open XML documents and workbooks (DOCX, XLSX: a zip
holding [Content_Types].xml and word/document.xml or xl/workbook.xml, no macros), OpenDocument
text and spreadsheets (ODT, ODS: a zip whose first member "mimetype" says so) and images that
Pillow reads as JPEG, PNG or WEBP. A zip whose members would unpack to more than
UNPACKED_LIMIT, or a file over settings.DIRECTIVES_MAX_FILE_MB, is refused. The stored name is
random with the extension of what the file is; the name people see is the uploaded one (cleaned,
with that extension). Refusals are ValidationErrors with a Vietnamese message naming the file.
"""

import re
import uuid
import zipfile
from contextlib import contextmanager
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from PIL import Image

ACCEPTED_TEXT = "PDF, Word (DOCX), Excel (XLSX), OpenDocument (ODT, ODS) hoặc ảnh JPEG, PNG, WEBP"
UNPACKED_LIMIT = 300 * 1024 * 1024
MAX_FILES = 10
CONTENT_TYPES = {
    "PDF": "application/pdf",
    "DOCX": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ODT": "application/vnd.oasis.opendocument.text",
    "ODS": "application/vnd.oasis.opendocument.spreadsheet",
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
}
EXTENSIONS = {
    "PDF": "pdf",
    "DOCX": "docx",
    "XLSX": "xlsx",
    "ODT": "odt",
    "ODS": "ods",
    "JPEG": "jpg",
    "PNG": "png",
    "WEBP": "webp",
}
_ODF = {"application/vnd.oasis.opendocument.text": "ODT", "application/vnd.oasis.opendocument.spreadsheet": "ODS"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\"]")


def max_bytes():
    return int(getattr(settings, "DIRECTIVES_MAX_FILE_MB", 20)) * 1024 * 1024


def display_name(name):
    name = _CONTROL.sub("", str(name or "")).strip().replace("\\", "/").rsplit("/", 1)[-1]
    return (name or "tep")[:150]


def kind_of(data):
    """What the bytes are (a key of CONTENT_TYPES), or None."""
    if data.startswith(b"%PDF-"):
        return "PDF"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    try:
        with Image.open(BytesIO(data), formats=("JPEG", "PNG", "WEBP")) as image:
            image.verify()
            return image.format
    except Exception:  # noqa: BLE001 - whatever Pillow cannot read is not an accepted image
        return None


def _zip_kind(data):
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > UNPACKED_LIMIT:
                return None
            names = {m.filename for m in members}
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return None  # macros
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return "DOCX"
                if "xl/workbook.xml" in names:
                    return "XLSX"
                return None
            if members and members[0].filename == "mimetype":
                return _ODF.get(archive.read("mimetype").decode("ascii", "replace").strip())
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    return None


def check_upload(uploaded):
    """(ContentFile under a random name, kind, display name, size) or ValidationError."""
    name = display_name(getattr(uploaded, "name", None))
    limit = max_bytes()
    uploaded.seek(0)
    data = uploaded.read(limit + 1)
    if not data:
        raise ValidationError(f"Tệp “{name}” trống (0 byte).", code="file_empty")
    if len(data) > limit:
        raise ValidationError(
            f"Tệp “{name}” quá lớn; tối đa {limit // (1024 * 1024)} MB mỗi tệp.", code="file_too_large"
        )
    kind = kind_of(data)
    if kind is None:
        raise ValidationError(
            f"Tệp “{name}” không phải tệp được nhận (theo nội dung tệp, không theo tên). Chỉ nhận {ACCEPTED_TEXT}.",
            code="file_format",
        )
    extension = EXTENSIONS[kind]
    _stem, dot, given = name.rpartition(".")
    if not dot or given.lower() not in (extension, "jpeg" if kind == "JPEG" else extension):
        name = f"{name}.{extension}"
    return ContentFile(data, name=f"{uuid.uuid4().hex}.{extension}"), kind, name, len(data)


def check_uploads(files):
    """Every file checked (all refusals together, in one ValidationError); at most MAX_FILES."""
    files = [f for f in files if f]
    if len(files) > MAX_FILES:
        raise ValidationError(f"Gửi tối đa {MAX_FILES} tệp một lần.", code="too_many_files")
    checked, errors = [], []
    for uploaded in files:
        try:
            checked.append(check_upload(uploaded))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return checked


@contextmanager
def removed_on_failure():
    """Collects the storage names of files written inside the block (append `row.file`) and
    deletes them if the block fails: a rolled-back transaction leaves no orphan file behind.
    Use it outside transaction.atomic, so the rollback has happened when the files go."""
    written = []
    try:
        yield written
    except BaseException:
        for stored in written:
            stored.storage.delete(stored.name)
        raise


def file_response(row):
    """A stored DirectiveFile or AnswerFile as a download (the caller has checked access); a file
    missing from the storage (a restore without the private media) is a 404, not a 500."""
    try:
        handle = row.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=row.name,
        content_type=CONTENT_TYPES.get(row.kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
