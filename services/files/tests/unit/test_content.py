"""The file's type from its bytes, the allow-list and the name (domain/content.py)."""

from __future__ import annotations

import io
import zipfile

import pytest

from files.domain.content import Refused, clean_filename, recognise

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    "data,name,media_type",
    [
        (PDF, "boiler-cert.pdf", "application/pdf"),
        (PDF, "no extension", "application/pdf"),
        (PNG, "photo.PNG", "image/png"),
        (JPEG, "photo.jpeg", "image/jpeg"),
        (docx(), "report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (b"name,postcode\nSmith,LS1 1AA\n", "list.csv", "text/csv"),
        ("Notes – café\r\n".encode(), "notes.txt", "text/plain"),
    ],
)
def test_recognised_from_the_bytes(data, name, media_type):
    assert recognise(data, name).media_type == media_type


def test_a_name_that_claims_a_pdf_over_other_bytes_is_refused():
    with pytest.raises(Refused, match="The name says a PDF but the content is plain text"):
        recognise(b"just some text pretending\n", "invoice.pdf")
    with pytest.raises(Refused, match="The name says a PDF but the content is"):
        recognise(PNG, "invoice.pdf")


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64,  # a Windows program
        b"\x7fELF\x02\x01\x01" + b"\x00" * 64,
        bytes(range(256)) * 4,  # binary noise
        io.BytesIO().getvalue() or b"PK\x03\x04" + b"\x00" * 60,  # a zip that is no office document
    ],
)
def test_what_is_not_on_the_allow_list_is_refused(data):
    with pytest.raises(Refused, match="Not a file Fieldbook keeps"):
        recognise(data, "thing.bin")


def test_empty_is_refused():
    with pytest.raises(Refused, match="empty"):
        recognise(b"", "a.txt")


def test_names_are_cleaned():
    assert clean_filename("C:\\Users\\me\\Boiler cert.pdf") == "Boiler cert.pdf"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("a\x00b\nc.pdf") == "abc.pdf"
    long = clean_filename("x" * 400 + ".pdf")
    assert len(long) == 255 and long.endswith(".pdf")
    with pytest.raises(Refused):
        clean_filename("  ")
    with pytest.raises(Refused):
        clean_filename(None)
