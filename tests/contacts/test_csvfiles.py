import codecs
import csv
import io

import pytest

from contacts import csvfiles
from contacts.csvfiles import CsvFileError, parse_contacts_csv
from meetings_site.csvcells import safe_cell
from tests.factories import ContactFactory


def _parse(text: str, encoding: str = "utf-8"):
    return parse_contacts_csv(text.encode(encoding))


def _error(data: bytes) -> str:
    with pytest.raises(CsvFileError) as error:
        parse_contacts_csv(data)
    return str(error.value)


# Columns


@pytest.mark.parametrize(
    "header",
    [
        "email,first_name,last_name,company,phone,notes",
        "E-mail,First Name,Last Name,Company,Phone,Notes",
        " EMAIL , FIRST_NAME , last name ,COMPANY,phone,NOTES",
    ],
)
def test_columns_are_found_by_header_whatever_the_case(header):
    parsed = _parse(f"{header}\nada@example.com,Ada,Lovelace,Analytical,+44 1,Met Babbage\n")
    assert parsed.rows[0].values == {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "company": "Analytical",
        "phone": "+44 1",
        "notes": "Met Babbage",
    }


def test_columns_may_come_in_any_order_and_unknown_ones_are_ignored():
    parsed = _parse("Company,Birthday,Email\nAcme,1 May,bob@example.com\n")
    assert parsed.rows[0].values["company"] == "Acme"
    assert parsed.rows[0].values["email"] == "bob@example.com"
    assert parsed.ignored_columns == ["Birthday"]


def test_a_full_name_column_is_split_on_the_last_space():
    parsed = _parse("name,email\nAugusta Ada King,ada@example.com\nCher,cher@example.com\n")
    assert [(r.values["first_name"], r.values["last_name"]) for r in parsed.rows] == [
        ("Augusta Ada", "King"),
        ("Cher", ""),
    ]


def test_first_and_last_names_win_over_a_full_name():
    parsed = _parse("name,first name,last name,email\nA B,Ada,Lovelace,ada@example.com\n")
    assert parsed.rows[0].values["first_name"] == "Ada"


def test_semicolon_separated_files_are_read():
    parsed = _parse("email;first name\nada@example.com;Ada\n")
    assert parsed.rows[0].values["first_name"] == "Ada"


def test_quoted_cells_may_hold_commas_and_line_breaks():
    parsed = _parse('email,notes\nada@example.com,"Met at the conference,\nwants slides"\n')
    assert parsed.rows[0].values["notes"] == "Met at the conference,\nwants slides"


def test_a_file_without_an_email_column_is_refused():
    assert _error(b"first name,last name\nAda,Lovelace\n") == csvfiles.NO_EMAIL_COLUMN


def test_a_file_with_two_email_columns_is_refused():
    assert "two email columns" in _error(b"email,e-mail\na@example.com,b@example.com\n")


# Rows


def test_rows_are_numbered_like_the_spreadsheet_and_blank_ones_are_skipped():
    parsed = _parse("email\r\nada@example.com\r\n\r\n,\r\ngrace@example.com\r\n")
    assert [(row.number, row.values["email"]) for row in parsed.rows] == [
        (2, "ada@example.com"),
        (5, "grace@example.com"),
    ]


def test_rows_are_rejected_with_their_reason():
    parsed = _parse(
        "email,first name\n"
        "ada@example.com,Ada\n"
        "not-an-address,Bob\n"
        ",Carol\n"
        "ADA@Example.com,Ada again\n"
        f"dan@example.com,{'x' * 151}\n"
        'eve@example.com,"Eve\r\nBcc: x@evil.example"\n'
    )
    assert [(row.number, row.error) for row in parsed.rows] == [
        (2, ""),
        (3, "Invalid email address"),
        (4, "Missing email address"),
        (5, "Duplicate of row 2 in this file"),
        (6, "First name is longer than 150 characters"),
        (7, "First name is not on one line"),
    ]
    assert [row.number for row in parsed.valid_rows] == [2]


def test_emails_are_normalized():
    parsed = _parse("email\n  Ada@EXAMPLE.com \n")
    assert parsed.rows[0].values["email"] == "Ada@example.com"


def test_short_rows_leave_the_missing_cells_empty():
    parsed = _parse("email,first name,company\nada@example.com\n")
    assert parsed.rows[0].values["company"] == ""


# Encodings and bad files


def test_utf8_with_and_without_byte_order_mark_is_read():
    text = "email,first name\nzoe@example.com,Zoë\n"
    with_bom = parse_contacts_csv(codecs.BOM_UTF8 + text.encode())
    without = parse_contacts_csv(text.encode())
    assert with_bom.rows[0].values == without.rows[0].values
    assert with_bom.rows[0].values["first_name"] == "Zoë"


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_file_that_is_not_utf8_is_refused(encoding):
    data = "email,first name\nzoe@example.com,Zoë\n".encode(encoding)
    assert _error(data) == csvfiles.NOT_UTF8


def test_a_binary_file_is_refused_as_not_csv():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
    assert _error(png) == csvfiles.NOT_CSV
    assert _error(b"PK\x03\x04\x14\x00\x00\x00\x08\x00") == csvfiles.NOT_CSV


def test_an_empty_file_or_a_header_alone_is_refused():
    assert _error(b"") == csvfiles.NO_ROWS
    assert _error(b"\n\n") == csvfiles.NO_ROWS
    assert _error(b"email,first name\n") == csvfiles.NO_ROWS


def test_a_file_over_the_size_limit_is_refused():
    data = b"email\n" + b"a" * csvfiles.MAX_IMPORT_BYTES
    assert _error(data) == csvfiles.TOO_LARGE


def test_a_file_over_the_row_limit_is_refused():
    rows = "".join(f"p{n}@example.com\n" for n in range(csvfiles.MAX_IMPORT_ROWS + 1))
    assert _error(f"email\n{rows}".encode()) == csvfiles.TOO_MANY_ROWS
    rows = "".join(f"p{n}@example.com\n" for n in range(csvfiles.MAX_IMPORT_ROWS))
    assert len(_parse(f"email\n{rows}").rows) == csvfiles.MAX_IMPORT_ROWS


def test_a_cell_beyond_what_csv_reads_is_refused_with_its_row():
    data = f'email,notes\n\na@example.com,"{"x" * 200_000}"\n'.encode()
    assert _error(data).startswith("Row 3 of the file could not be read")


# Export


@pytest.mark.parametrize("value", ["=1+1", "+49 30 1234", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_cells_that_spreadsheets_would_run_as_formulas_are_quoted(value):
    assert safe_cell(value) == f"'{value}"


@pytest.mark.parametrize("value", ["Ada", "", "a=b", "ada@example.com"])
def test_other_cells_are_exported_as_they_are(value):
    assert safe_cell(value) == value


@pytest.mark.django_db
def test_an_export_imports_back_to_the_same_values():
    contact = ContactFactory(first_name="=cmd", company="@Acme", phone="+1 555", notes="a,\nb")
    exported = "".join(csvfiles.export_lines([contact]))
    assert next(csv.reader(io.StringIO(exported)))[0] == "first_name"
    row = parse_contacts_csv(exported.encode()).rows[0]
    assert row.values == {name: getattr(contact, name) for name in csvfiles.EXPORT_COLUMNS}
