"""Files of directives and answers are judged by their bytes (directives/files.py)."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from directives.files import check_upload, check_uploads, kind_of
from tests.directives import helpers


@pytest.mark.parametrize(
    "make, kind",
    [(helpers.pdf, "PDF"), (helpers.docx, "DOCX"), (helpers.xlsx, "XLSX"), (helpers.odt, "ODT"), (helpers.png, "PNG")],
)
def test_each_accepted_kind_is_recognised_by_content(make, kind):
    assert kind_of(make()) == kind


def zipped(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        helpers.exe(),
        b"<html><script>alert(1)</script></html>",
        zipped({"readme.txt": "một tệp nén bình thường"}),
        zipped({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>", "word/vbaProject.bin": "macro"}),
        zipped({"mimetype": "application/x-shockwave-flash"}),
        b"PK\x03\x04" + bytes(40),  # a broken zip
        helpers.png()[:20],  # a cut-off image
    ],
)
def test_what_is_not_an_accepted_document_is_refused(data):
    assert kind_of(data) is None


def test_the_name_people_see_follows_the_content_and_the_stored_one_is_random():
    content, kind, name, size = check_upload(SimpleUploadedFile("bao cao", helpers.docx()))
    assert (kind, name) == ("DOCX", "bao cao.docx") and size == len(helpers.docx())
    assert content.name.endswith(".docx") and "bao" not in content.name
    _, kind, name, _ = check_upload(SimpleUploadedFile("so-lieu.XLSX", helpers.xlsx()))
    assert (kind, name) == ("XLSX", "so-lieu.XLSX")


def test_a_renamed_program_an_empty_file_and_a_large_one_are_refused_in_vietnamese(settings):
    with pytest.raises(ValidationError, match="không phải tệp được nhận"):
        check_upload(SimpleUploadedFile("bao-cao.pdf", helpers.exe()))
    with pytest.raises(ValidationError, match="trống"):
        check_upload(SimpleUploadedFile("rong.pdf", b""))
    settings.DIRECTIVES_MAX_FILE_MB = 1
    with pytest.raises(ValidationError, match="quá lớn"):
        check_upload(SimpleUploadedFile("lon.pdf", b"%PDF-1.4\n" + bytes(2 * 1024 * 1024)))


def test_all_refusals_of_several_files_are_given_together():
    with pytest.raises(ValidationError) as caught:
        check_uploads(
            [
                SimpleUploadedFile("a.pdf", helpers.exe()),
                SimpleUploadedFile("b.pdf", helpers.pdf()),
                SimpleUploadedFile("c.docx", b"x"),
            ]
        )
    assert (
        len(caught.value.messages) == 2 and "a.pdf" in caught.value.messages[0] and "c.docx" in caught.value.messages[1]
    )
