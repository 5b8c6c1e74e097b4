"""The files people exchange with the app: CSV out (formula-safe) and in (UTF-8 only, strict
header), and strict YAML in. Every importer and every CSV the app writes goes through here.

CSV out: a text cell beginning with "=", "+", "-", "@", tab or carriage return is written with
a leading "'" (OWASP's advice against formula injection), so a spreadsheet shows it as text;
numbers stay numbers. CSV in: such an escaped cell is read back to the original, so an
export imports again unchanged.

Every message about a file names it and a place in it: "row N" is the row a spreadsheet
shows (the header is row 1, a quoted cell with line breaks is one row); "line N" is a
line of a YAML file.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import IO, Any

import yaml
from django.utils.translation import gettext, gettext_noop

from coding.input_limits import MAX_NESTING, YAML_MAX_SIZE


class ImportFailed(Exception):
    """A file that cannot be imported: `path`, where in it (`where`) and why (`reason`)."""

    def __init__(self, path: Path | str, where: str, reason: str):
        self.path, self.where, self.reason = str(path), where, reason
        super().__init__(f"{path}: {where}: {reason}")


# --- CSV out ----------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# An escaped cell: one or more "'" before a formula character. A text that itself begins
# with quotes before such a character gets one more quote, so reading back is exact.
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")
_NEEDS_ESCAPE = re.compile(r"'*[=+\-@\t\r]")
_MAY_NEED_ESCAPE = frozenset("'=+-@\t\r")


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: None -> "", numbers as they are, text formula-escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text[:1] not in _MAY_NEED_ESCAPE:  # most cells: one look at the first character
        return text
    if _NEEDS_ESCAPE.match(text) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_uncell(text: str) -> str:
    """The original text of a cell written by csv_cell (or typed with a leading "'")."""
    return text[1:] if text[:1] == "'" and _ESCAPED.match(text) else text


class SafeCsvWriter:
    """csv.writer whose rows go through csv_cell."""

    def __init__(self, out: IO[str], **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row) -> None:
        # Most cells are text that needs nothing: decided here without a call (an export of
        # 10,000 cases has a third of a million cells).
        self._writer.writerow([
            value if type(value) is str and value[:1] not in _MAY_NEED_ESCAPE
            else csv_cell(value)
            for value in row
        ])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: IO[str], **options) -> SafeCsvWriter:
    return SafeCsvWriter(out, **options)


# --- reading: UTF-8 only ----------------------------------------------------------

SAVE_AS_UTF8 = gettext_noop(
    "save the file as UTF-8 (in Excel: Save As, 'CSV UTF-8') and import it again")


def read_utf8(path: Path, *, unit: str = "row") -> str:
    """The file's text (a UTF-8 byte order mark dropped); anything not UTF-8 is refused
    naming the row (or line) and byte where decoding failed."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFailed(path, "file", error.strerror or str(error)) from None
    return decode_utf8(data, name=path, unit=unit)


def decode_utf8(data: bytes, *, name, unit: str = "row") -> str:
    """`data` as text (a UTF-8 byte order mark dropped), refused as read_utf8 says."""
    path = name
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as error:
        position = start + error.start
        prefix = data[start:position].decode("utf-8")
        if unit == "row":
            place = f"row {_csv_row_at_end(prefix)}"
        else:
            place = f"line {prefix.count(chr(10)) + 1}"
        bad = data[position:position + 1].hex()
        raise ImportFailed(
            path, f"{place} (byte {position + 1})",
            gettext(
                "not UTF-8 text (byte 0x%(bad)s); %(save_as_utf8)s") % {
                "bad": bad, "save_as_utf8": gettext(SAVE_AS_UTF8)},
        ) from None


def _csv_row_at_end(text: str) -> int:
    """The spreadsheet row in which `text` (the start of a CSV file) ends."""
    rows = 0
    try:
        rows = sum(1 for _ in csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        pass
    return rows + 1 if not text or text.endswith(("\n", "\r")) else max(rows, 1)


# --- CSV in -----------------------------------------------------------------------


def csv_rows(
    path: Path | str, *, columns: Collection[str], optional: Collection[str] = (),
    lower: bool = False,
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: cell}) for each non-empty row of a UTF-8 CSV file.

    The header must hold each of `columns` exactly once and nothing outside `columns` and
    `optional`; names are stripped (and lower-cased with `lower`). Cells are
    formula-unescaped, otherwise as in the file. A row with more or fewer cells than the
    header, and a quote that is never closed (which would make the rest of the file one
    cell) or stray text after a closing quote, are refused naming the row. Raises
    ImportFailed.
    """
    path = Path(path)
    text = read_utf8(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    row = 1
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFailed(path, "row 1", gettext(
                "the file is empty; expected the header %(columns)s") % {
                "columns": ','.join(columns)})
        names = [csv_uncell(name).strip() for name in header]
        if lower:
            names = [name.lower() for name in names]
        header_check(path, names, list(columns), list(optional))
        width = len(names)
        for cells in reader:
            row += 1
            if not cells or (len(cells) == 1 and not cells[0].strip() and width > 1):
                continue
            if len(cells) != width:
                more = len(cells) > width
                raise ImportFailed(
                    path, f"row {row}",
                    f"{'more' if more else 'fewer'} fields than the header has columns "
                    f"({len(cells)} for {width}); "
                    + ("a comma too many, or a cell with a comma that is not in quotes"
                       if more else "a field is missing (keep the commas of empty cells)"),
                )
            yield row, {name: csv_uncell(cell) for name, cell in zip(names, cells, strict=True)}
    except csv.Error as error:
        # csv counts physical lines; the row being read is the one after the last good one.
        raise ImportFailed(path, f"row {row + 1}", _csv_problem(str(error))) from None


def _csv_problem(reason: str) -> str:
    if "field larger than field limit" in reason:
        return f"a cell is longer than {csv.field_size_limit():,} characters"
    if "unexpected end of data" in reason:
        return ("a quoted cell on this row has no closing quote, so the rest of the file "
                "would be read as one cell; close the quote (a quote inside a cell is "
                'written twice: "")')
    if "expected after" in reason:
        return ("text follows a closing quote in a cell on this row; put the whole cell in "
                'quotes and write a quote inside it twice ("")')
    return f"unreadable CSV ({reason})"


def header_check(path: Path, names: list[str], columns: list[str], optional: list[str], *,
                 where: str = "row 1"):
    """Refuse a header with a column twice, an unknown column or a missing one (CSV and
    .xlsx alike; `where` names the header's place)."""
    if optional:
        expected = gettext("expected the columns %(columns)s (and optionally %(optional)s)") % {
            "columns": ",".join(columns), "optional": ",".join(optional)}
    else:
        expected = gettext("expected the columns %(columns)s") % {"columns": ",".join(columns)}
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name in seen:
            raise ImportFailed(
                path, where, gettext(
                    "column %(name)s appears twice (columns %(seen)s and %(position)s); "
                    "%(expected)s") % {
                    "name": repr(name), "seen": seen[name], "position": position,
                    "expected": expected}
            )
        seen[name] = position
    unknown = [name for name in names if name not in columns and name not in optional]
    if unknown:
        shown = ", ".join(repr(name) if name else gettext("an unnamed column")
                          for name in unknown)
        hint = _suggest(unknown, [*columns, *optional])
        raise ImportFailed(path, where, gettext(
            "unknown column(s) %(shown)s%(hint)s; %(expected)s") % {
            "shown": shown, "hint": hint, "expected": expected})
    missing = [column for column in columns if column not in seen]
    if missing:
        raise ImportFailed(path, where, gettext(
            "missing column(s) %(missing)s; %(expected)s") % {
            "missing": ', '.join(missing), "expected": expected})


def _suggest(unknown: list[str], known: list[str]) -> str:
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1)
        if close:
            if len(unknown) > 1:
                return gettext(" (did you mean %(close)s for %(name)s?)") % {
                    "close": repr(close[0]), "name": repr(name)}
            return gettext(" (did you mean %(close)s?)") % {"close": repr(close[0])}
    return ""


# --- YAML in ----------------------------------------------------------------------

YAML_MAX_DEPTH = MAX_NESTING  # coding/input_limits.py: every upload's limits in one place
YAML_MAX_BYTES = YAML_MAX_SIZE


class YamlMap(dict):
    """A YAML mapping that remembers its line and the line of each key."""

    line: int = 0
    key_lines: dict

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class _TooDeep(yaml.YAMLError):
    def __init__(self, mark):
        self.problem_mark = mark
        super().__init__(f"nested more than {YAML_MAX_DEPTH} levels deep")


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key, mark, first_line: int):
        self.problem_mark, self.key, self.first_line = mark, key, first_line
        super().__init__(f"key {key!r} appears twice (first on line {first_line})")


class _Reference(yaml.YAMLError):
    def __init__(self, event):
        self.problem_mark = event.start_mark
        self.what = (f"an alias (*{event.anchor})" if isinstance(event, yaml.AliasEvent)
                     else f"an anchor (&{event.anchor})")
        super().__init__(f"{self.what} is not allowed")


class StrictLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses anchors and aliases (a "billion laughs" of nested
    aliases grows a 1 KB file into gigabytes of data), duplicate keys and deep nesting
    (which would exhaust Python's recursion limit), and records line numbers on mappings."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:
            raise _Reference(event)
        self._depth += 1
        if self._depth > YAML_MAX_DEPTH:
            raise _TooDeep(self.peek_event().start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_map(self, node):
        data = YamlMap()
        data.line = node.start_mark.line + 1
        data.key_lines = {}
        yield data
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be plain text", key_node.start_mark
                )
            if key in data:
                raise _DuplicateKey(key, key_node.start_mark, data.key_lines[key])
            data.key_lines[key] = key_node.start_mark.line + 1
            data[key] = self.construct_object(value_node, deep=True)


StrictLoader.add_constructor("tag:yaml.org,2002:map", StrictLoader.construct_yaml_map)


def yaml_read(path: Path | str) -> Any:
    """The YAML file's data (mappings as YamlMap); raises ImportFailed naming the line."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ImportFailed(path, "file", error.strerror or str(error)) from None
    _yaml_size_check(path, size)
    return yaml_loads(read_utf8(path, unit="line"), name=path)


def _yaml_size_check(name, size: int) -> None:
    if size > YAML_MAX_BYTES:
        # PyYAML takes some thirty times a file's size in memory; a codebook is a few KB.
        raise ImportFailed(name, "file", gettext(
            "%(size)s bytes; a YAML file may have at most %(yaml_max_bytes)s (a codebook of a "
            "hundred attributes has about 30,000)") % {
            "size": f"{size:,}", "yaml_max_bytes": f"{YAML_MAX_BYTES:,}"})


def yaml_read_bytes(data: bytes, *, name: str) -> Any:
    """Like yaml_read, for the bytes of an upload called `name`."""
    _yaml_size_check(name, len(data))
    return yaml_loads(decode_utf8(data, name=name, unit="line"), name=name)


def yaml_loads(text: str, *, name) -> Any:
    """The data of YAML `text` (from the file `name`), refused as yaml_read says."""
    path = name
    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except _DuplicateKey as error:
        line = error.problem_mark.line + 1
        raise ImportFailed(
            path, f"line {line}", gettext(
                "key %(key)s appears twice in one mapping (first on line %(first_line)s); keep "
                "one") % {
                "key": repr(error.key), "first_line": error.first_line}
        ) from None
    except _Reference as error:
        raise ImportFailed(
            path, f"line {error.problem_mark.line + 1}",
            gettext(
                "%(what)s: YAML anchors and aliases are not accepted; write the value out in "
                "full where it is used") % {
                "what": error.what},
        ) from None
    except _TooDeep as error:
        raise ImportFailed(
            path, f"line {error.problem_mark.line + 1}",
            gettext(
                "nested more than %(yaml_max_depth)s levels deep; a codebook needs at most 7") % {
                "yaml_max_depth": YAML_MAX_DEPTH},
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        raise ImportFailed(
            path, where, gettext(
                "not valid YAML (%(value)s)") % {
                "value": getattr(error, 'problem', None) or error}
        ) from None


def yaml_check_keys(path: Path, data: YamlMap, known: list[str], what: str) -> None:
    """Refuse a key of `data` outside `known`, naming its line and the nearest known key."""
    for key in data:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = gettext("did you mean %(key)r? ") % {"key": close[0]} if close else ""
        line = data.line_of(key) if isinstance(data, YamlMap) else 0
        raise ImportFailed(
            path, f"line {line}" if line else what,
            gettext(
                "unknown key %(key)s in %(what)s; %(hint)sknown keys: %(known)s") % {
                "key": repr(key), "what": what, "hint": hint, "known": ', '.join(known)},
        )
