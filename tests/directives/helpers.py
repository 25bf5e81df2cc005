"""Files and people for the directives' tests: real bytes of each accepted kind (made here with
the libraries that write them), and staff in the units' groups."""

import io
import zipfile

from django.contrib.auth import get_user_model
from PIL import Image

PASSWORD = "x-Strong-pass-123"


def pdf(text="Báo cáo"):
    return (
        b"%PDF-1.4\n% " + text.encode() + b"\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def docx(text="Báo cáo năm"):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", f"<w:document><w:t>{text}</w:t></w:document>")
    return out.getvalue()


def xlsx():
    from openpyxl import Workbook

    out = io.BytesIO()
    book = Workbook()
    book.active["A1"] = "Số tin"
    book.save(out)
    return out.getvalue()


def odt():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def png():
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


def exe():
    """The first bytes of a Windows program."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)


def staff(unit, username, email=None, role="editors"):
    user = get_user_model().objects.create_user(
        username, email=email or f"{username}@example.vn", password=PASSWORD, first_name="Cán bộ", last_name=username
    )
    user.groups.add(getattr(unit, f"{role}_group"))
    return user
