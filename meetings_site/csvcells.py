"""CSV cells that spreadsheets show as text, for every export the site offers."""

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """A cell that spreadsheets show as text, never run as a formula (CSV injection)."""
    return f"'{value}" if value.startswith(FORMULA_TRIGGERS) else value


def unquote_cell(value: str) -> str:
    """Undo safe_cell's quote, so that an export read back is exact."""
    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value
