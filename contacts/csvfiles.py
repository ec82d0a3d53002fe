"""Contacts in and out of CSV files: reading an upload row by row, writing an export."""

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.text import capfirst

from contacts.models import Contact, validate_one_line
from contacts.normalization import normalize_email, split_name
from meetings_site.csvcells import safe_cell, unquote_cell

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 5000

NOT_UTF8 = "The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again."
NOT_CSV = "The file is not a CSV file. Save your spreadsheet as 'CSV UTF-8' and try again."
NO_EMAIL_COLUMN = (
    "The file has no email column. Its first row must name the columns, "
    "for example: email, first name, last name, company."
)
MALFORMED = "Row {row} of the file could not be read ({error}). Check that it is a CSV file."
NO_ROWS = "The file has no contacts in it: only a header row, or nothing at all."
TOO_LARGE = (
    f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB. "
    "Split it into smaller files and import them one by one."
)
TOO_MANY_ROWS = (
    f"The file has more than {MAX_IMPORT_ROWS:,} rows. "
    "Split it into smaller files and import them one by one."
)
MISSING_EMAIL = "Missing email address"
INVALID_EMAIL = "Invalid email address"

# Header names, compared lowercased with "_" read as a space.
COLUMN_ALIASES = {
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "e-mail address": "email",
    "first name": "first_name",
    "firstname": "first_name",
    "given name": "first_name",
    "last name": "last_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family name": "last_name",
    "name": "name",
    "full name": "name",
    "company": "company",
    "organization": "company",
    "organisation": "company",
    "phone": "phone",
    "phone number": "phone",
    "telephone": "phone",
    "notes": "notes",
    "note": "notes",
}
EXPORT_COLUMNS = ("first_name", "last_name", "email", "company", "phone", "notes")
FIELD_LABELS = {
    name: capfirst(Contact._meta.get_field(name).verbose_name) for name in EXPORT_COLUMNS
}


class CsvFileError(Exception):
    """The upload as a whole cannot be read; the message says why, for the host."""


@dataclass
class ParsedRow:
    """One data row of an upload: its number in the spreadsheet, its values or what is wrong."""

    number: int
    values: dict[str, str]
    error: str = ""


@dataclass
class ParsedFile:
    rows: list[ParsedRow]
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def valid_rows(self) -> list[ParsedRow]:
        return [row for row in self.rows if not row.error]


def parse_contacts_csv(data: bytes) -> ParsedFile:
    """Read an uploaded CSV file into rows, each valid or rejected with its reason.

    Row numbers are the spreadsheet's: the header is row 1.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise CsvFileError(TOO_LARGE)
    text = _decode(data)
    if "\x00" in text:
        raise CsvFileError(NOT_CSV)

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    columns: dict[str, int] | None = None
    ignored: list[str] = []
    rows: list[ParsedRow] = []
    seen: dict[str, int] = {}
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns, ignored = _columns(cells)
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                raise CsvFileError(TOO_MANY_ROWS)
            row = _row(number, cells, columns)
            if not row.error:
                key = row.values["email"].lower()
                if key in seen:
                    row.error = f"Duplicate of row {seen[key]} in this file"
                else:
                    seen[key] = number
            rows.append(row)
    except csv.Error as error:
        # The reader failed on the record after the last one it returned.
        raise CsvFileError(MALFORMED.format(row=number + 1, error=error)) from None
    if not rows:
        raise CsvFileError(NO_ROWS)
    return ParsedFile(rows=rows, ignored_columns=ignored)


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CsvFileError(NOT_UTF8)
    try:
        # "utf-8-sig" drops the byte order mark that Excel writes at the start of "CSV UTF-8".
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Zip archives (.xlsx), PDFs and images are not text in any encoding.
        raise CsvFileError(NOT_CSV if b"\x00" in data else NOT_UTF8) from None


def _delimiter(text: str) -> str:
    """Comma, or the semicolon or tab that some spreadsheets write instead, judged by the header."""
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    return max([",", ";", "\t"], key=first_line.count)


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Which cell holds which field; and the header names that match none."""
    columns: dict[str, int] = {}
    ignored = []
    for index, title in enumerate(header):
        name = COLUMN_ALIASES.get(" ".join(title.replace("_", " ").lower().split()))
        if name is None:
            if title.strip():
                ignored.append(title.strip())
            continue
        if name in columns:
            raise CsvFileError(f"The file has two {name.replace('_', ' ')} columns. Keep one.")
        columns[name] = index
    if "email" not in columns:
        raise CsvFileError(NO_EMAIL_COLUMN)
    return columns, ignored


def _row(number: int, cells: list[str], columns: dict[str, int]) -> ParsedRow:
    raw = {
        name: unquote_cell(cells[index].strip()) if index < len(cells) else ""
        for name, index in columns.items()
    }
    full_name = raw.pop("name", "")
    if full_name and not (raw.get("first_name") or raw.get("last_name")):
        raw["first_name"], raw["last_name"] = split_name(full_name)
    values = {name: raw.get(name, "") for name in FIELD_LABELS}
    values["email"] = normalize_email(values["email"])
    return ParsedRow(number=number, values=values, error=_row_error(values))


def _row_error(values: dict[str, str]) -> str:
    if not values["email"]:
        return MISSING_EMAIL
    try:
        validate_email(values["email"])
    except ValidationError:
        return INVALID_EMAIL
    for name, value in values.items():
        limit = Contact._meta.get_field(name).max_length
        if limit and len(value) > limit:
            return f"{FIELD_LABELS[name]} is longer than {limit} characters"
        if validate_one_line in Contact._meta.get_field(name).validators:
            try:
                validate_one_line(value)
            except ValidationError:
                return f"{FIELD_LABELS[name]} is not on one line"
    return ""


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_lines(contacts: Iterable[Contact]) -> Iterator[str]:
    """The CSV lines of an export: a header row, then one row per contact."""
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for contact in contacts:
        yield writer.writerow([safe_cell(getattr(contact, name)) for name in EXPORT_COLUMNS])
