"""An uploaded CSV file kept in the database in ~1 MiB chunks, and read back as a stream of rows.

Web and worker processes share no disk: the upload writes chunks, the worker reads them one at a
time (one short query per chunk), decodes incrementally and hands lines to `csv.reader`. At no
point is the whole file in memory.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..store.models import Import, ImportChunk

CHUNK_SIZE = 1024 * 1024
SNIFF_BYTES = 64 * 1024
MAX_COLUMNS = 200
DELIMITERS = ",;\t|"


class UnreadableFile(ValueError):
    """The file is not a CSV this service can read (no header, not text, a broken quote)."""


def store_chunks(session: Session, imp: Import, read: Callable[[int], bytes]) -> bytes:
    """Copy a stream into `imp`'s chunks; set size and count; return the first bytes for sniffing.

    Checks that the file is UTF-8 as it goes; when it is not, the file is read as Windows-1252 (what
    Excel on Windows writes for "CSV (Comma delimited)").
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, head, seq, size = True, b"", 0, 0
    pending = bytearray()

    def flush(final: bool) -> None:
        nonlocal seq, pending
        while len(pending) >= CHUNK_SIZE or (final and pending):
            piece = bytes(pending[:CHUNK_SIZE])
            del pending[:CHUNK_SIZE]
            chunk = ImportChunk(import_id=imp.id, seq=seq, tenant_id=imp.tenant_id, data=piece)
            session.add(chunk)
            session.flush()
            session.expunge(chunk)  # written: let it go, so the session never holds the whole file
            seq += 1

    while True:
        data = read(256 * 1024)
        if not data:
            break
        size += len(data)
        if len(head) < SNIFF_BYTES:
            head += data[: SNIFF_BYTES - len(head)]
        if utf8:
            try:
                decoder.decode(data)
            except UnicodeDecodeError:
                utf8 = False
        pending.extend(data)
        flush(final=False)
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    flush(final=True)
    imp.size_bytes = size
    imp.chunk_count = seq
    imp.encoding = "utf-8-sig" if utf8 else "cp1252"
    return head


def sniff_delimiter(head: bytes, encoding: str) -> str:
    text = head.decode(encoding, errors="ignore")
    first_lines = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(first_lines, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def iter_chunks(sessions: sessionmaker[Session], import_id: str, chunk_count: int) -> Iterator[bytes]:
    """The file's chunks in order, each read by its own short query (no long-open transaction)."""
    for seq in range(chunk_count):
        with sessions() as session:
            data = session.scalar(
                select(ImportChunk.data).where(ImportChunk.import_id == import_id, ImportChunk.seq == seq)
            )
        if data is None:
            raise UnreadableFile(f"Part {seq} of the uploaded file is missing.")
        yield bytes(data)


def session_chunks(session: Session, import_id: str, chunk_count: int) -> Iterator[bytes]:
    """Like `iter_chunks`, inside a session that is already open (the upload's own transaction)."""
    for seq in range(chunk_count):
        yield bytes(
            session.scalar(
                select(ImportChunk.data).where(ImportChunk.import_id == import_id, ImportChunk.seq == seq)
            )
        )


def iter_lines(chunks: Iterable[bytes], encoding: str) -> Iterator[str]:
    """Decode chunk by chunk and yield lines with their line endings (what csv.reader expects).

    A chunk boundary may fall inside a multi-byte character or a line: the incremental decoder and
    the carried-over tail take care of both. Only '\\n' ends a line ('\\r\\n' keeps its '\\r' for csv).
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace" if encoding == "cp1252" else "strict")
    tail = ""
    for chunk in chunks:
        try:
            text = tail + decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"The file is not valid {encoding} text: {exc.reason}.") from None
        start = 0
        while True:
            end = text.find("\n", start)
            if end < 0:
                break
            yield text[start : end + 1]
            start = end + 1
        tail = text[start:]
    tail += decoder.decode(b"", final=True)
    if tail:
        yield tail


def dedupe_headers(header: list[str]) -> list[str]:
    """Column names as the mapping refers to them: trimmed, blanks named, repeats numbered."""
    seen: dict[str, int] = {}
    columns = []
    for index, raw in enumerate(header):
        name = raw.strip() or f"column {index + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        columns.append(name)
    return columns


class CsvRows:
    """`columns` (the header) and an iterator of (row number, values); row 1 is the header.

    Row numbers are records, as a spreadsheet numbers its rows: a quoted cell spanning several
    lines is still one row. Blank rows are skipped (their numbers are not reused).
    """

    def __init__(self, lines: Iterable[str], delimiter: str):
        self._reader = csv.reader(iter(lines), delimiter=delimiter)
        try:
            header = next(self._reader)
        except StopIteration:
            raise UnreadableFile("The file is empty.") from None
        except csv.Error as exc:
            raise UnreadableFile(f"The header row cannot be read: {exc}.") from None
        if not any(h.strip() for h in header):
            raise UnreadableFile("The first row must name the columns; it is blank.")
        if len(header) > MAX_COLUMNS:
            raise UnreadableFile(f"The file has {len(header)} columns; at most {MAX_COLUMNS} are read.")
        self.columns = dedupe_headers(header)
        self.row_number = 1

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        while True:
            try:
                row = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise UnreadableFile(f"Row {self.row_number + 1} cannot be read: {exc}.") from None
            self.row_number += 1
            if not row or not any(v.strip() for v in row):
                continue
            yield self.row_number, row


def open_rows(chunks: Iterable[bytes], encoding: str, delimiter: str) -> CsvRows:
    return CsvRows(iter_lines(chunks, encoding), delimiter)
