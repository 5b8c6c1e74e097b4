"""Importers refuse what they cannot read exactly: non-UTF-8 files, wrong columns, YAML with
duplicate or unknown keys or deep nesting; every message names the file and the row (the
row a spreadsheet shows) or the line, and nothing is imported."""

import io

import pytest
from django.core.management import CommandError, call_command

from coding.models import Case, Coding, Review
from tests import factories

HEADER = "number,title,country,year,service_area,summary,source\n"
CODINGS_HEADER = "case,coder,attribute,value\n"


def _cases(review_slug, path):
    call_command("import_cases", str(path), review=review_slug, stdout=io.StringIO())


def _refused(command, path, review="demo") -> str:
    with pytest.raises(CommandError) as error:
        call_command(command, str(path), review=review, stdout=io.StringIO())
    message = str(error.value)
    assert message.startswith(f"Nothing imported. {path}: "), message
    assert "Traceback" not in message
    return message


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16"])
def test_cases_file_not_in_utf8_is_refused_naming_row_and_byte(review, tmp_path, encoding):
    path = tmp_path / "cases.csv"
    path.write_bytes((HEADER + "1,Café,France,2001,,,\n").encode(encoding))

    message = _refused("import_cases", path)

    assert "save the file as UTF-8" in message
    assert "byte" in message
    if encoding != "utf-16":
        assert ": row 2 (byte " in message
    assert Case.objects.count() == 0


def test_cases_file_with_byte_order_mark_imports(review, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes((HEADER + "1,Café,France,2001,,,\n").encode("utf-8-sig"))

    _cases("demo", path)

    assert Case.objects.get().title == "Café"


@pytest.mark.parametrize(
    "header, reason",
    [
        (HEADER.strip() + ",notes", "unknown column(s) 'notes'"),
        (HEADER.strip() + ",title", "column 'title' appears twice (columns 2 and 8)"),
        (HEADER.strip().replace("country", "contry"), "unknown column(s) 'contry' "
                                                       "(did you mean 'country'"),
        ("number,title,country,year,service_area,summary", "missing column(s) source"),
    ],
)
def test_cases_columns_are_checked_by_name(review, tmp_path, header, reason):
    path = tmp_path / "cases.csv"
    path.write_text(header + "\n1,A,UK,2001,,,,\n")

    message = _refused("import_cases", path)

    assert f": row 1: {reason}" in message
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "header, reason",
    [
        ("case,coder,attribute,value,comment", "unknown column(s) 'comment'"),
        ("case,coder,attribute,value,value", "column 'value' appears twice"),
        ("case,coder,value", "missing column(s) attribute"),
    ],
)
def test_codings_columns_are_checked_by_name(review, tmp_path, header, reason):
    factories.CaseFactory(review=review, number="1")
    path = tmp_path / "codings.csv"
    path.write_text(header + "\n1,alice,level,local\n")

    assert f": row 1: {reason}" in _refused("import_codings", path)
    assert Coding.objects.count() == 0


def test_codings_file_not_in_utf8_is_refused(review, tmp_path):
    factories.CaseFactory(review=review, number="1")
    path = tmp_path / "codings.csv"
    path.write_bytes((CODINGS_HEADER + "1,alice,level,local\n1,zoë,level,local\n")
                     .encode("latin-1"))

    message = _refused("import_codings", path)

    assert ": row 3 (byte " in message and "save the file as UTF-8" in message


def test_rows_are_numbered_as_a_spreadsheet_shows_them(review, tmp_path):
    # Row 2 holds a quoted summary over three lines; the bad year is on row 3, file line 5.
    path = tmp_path / "cases.csv"
    path.write_text(HEADER + '1,A,UK,2001,,"one\ntwo\nthree",\n2,B,UK,soon,,,\n')

    assert ": row 3: 'year' must be a whole number" in _refused("import_cases", path)


def test_an_oversized_cell_names_the_same_row_as_other_messages(review, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(HEADER + "1,A,UK,2001,,,\n" + f'2,B,UK,2001,,"{"x" * 200_000}",\n')

    message = _refused("import_cases", path)

    assert ": row 3: " in message and "longer than" in message


# --- YAML ---------------------------------------------------------------------------

CODEBOOK = """\
title: Small
sections:
  - title: One
    attributes:
      - key: level
        label: Level
        kind: single
        required: true
        options:
          - {key: local, label: Local}
"""


def _codebook(tmp_path, text, name="codebook.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_small_codebook_imports(db, tmp_path):
    call_command("import_codebook", str(_codebook(tmp_path, CODEBOOK)), review="small",
                 stdout=io.StringIO())
    assert Review.objects.get(slug="small").current_codebook().attributes.count() == 1


def test_yaml_duplicate_key_is_refused_naming_both_lines(db, tmp_path):
    path = _codebook(tmp_path, CODEBOOK.replace("        required: true\n",
                                                "        required: true\n        kind: multi\n"))

    message = _refused("import_codebook", path, review="small")

    assert ": line 9: key 'kind' appears twice in one mapping (first on line 7)" in message
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    "old, new, line, key, hint",
    [
        ("required: true", "requird: true", 8, "requird", "did you mean 'required'?"),
        ("title: Small", "titel: Small", 1, "titel", "did you mean 'title'?"),
        ("{key: local, label: Local}", "{key: local, lable: Local}", 10, "lable",
         "did you mean 'label'?"),
        ("  - title: One", "  - title: One\n    colour: red", 4, "colour", "known keys"),
    ],
)
def test_yaml_unknown_key_is_refused_with_the_nearest_known_key(db, tmp_path, old, new, line,
                                                                 key, hint):
    path = _codebook(tmp_path, CODEBOOK.replace(old, new))

    message = _refused("import_codebook", path, review="small")

    assert f": line {line}: unknown key {key!r}" in message and hint in message
    assert not Review.objects.exists()


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000, "a:\n" + "".join(
    " " * depth + "a:\n" for depth in range(1, 1500)  # under the 2 MB limit
)])
def test_deeply_nested_yaml_is_refused_with_a_message(db, tmp_path, text):
    message = _refused("import_codebook", _codebook(tmp_path, text), review="small")

    assert "nested more than 20 levels deep" in message


def test_yaml_not_in_utf8_is_refused(db, tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_bytes(CODEBOOK.replace("Local}", "Lokal é}").encode("latin-1"))

    message = _refused("import_codebook", path, review="small")

    assert ": line 10 (byte " in message and "save the file as UTF-8" in message


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_import_commands_draw_a_progress_bar_on_a_terminal(review, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(HEADER + "".join(f"{n},Case {n},UK,2001,,,\n" for n in range(1, 51)))
    terminal, piped = _Terminal(), io.StringIO()

    call_command("import_cases", str(path), review="demo", stdout=io.StringIO(),
                 stderr=terminal)
    call_command("import_cases", str(path), review="demo", stdout=io.StringIO(), stderr=piped)

    assert "Checking rows: 100%" in terminal.getvalue() and "50/50" in terminal.getvalue()
    assert "Writing: 100%" in terminal.getvalue()
    assert piped.getvalue() == ""


def billion_laughs(levels: int = 9) -> str:
    """The "billion laughs": each level a list of ten aliases of the one before (10**levels
    strings from about a kilobyte)."""
    lines = ['title: &a0 "lol"']
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"l{level}: &a{level} [{aliases}]")
    return "\n".join(lines) + "\n"


def test_yaml_with_aliases_is_refused_naming_the_line(db, tmp_path):
    message = _refused("import_codebook", _codebook(tmp_path, billion_laughs(4)), review="small")

    assert message.endswith(": line 1: an anchor (&a0): YAML anchors and aliases are not "
                            "accepted; write the value out in full where it is used")
    assert not Review.objects.exists()


def test_yaml_alias_without_an_anchor_in_the_file_is_refused_naming_its_line(db, tmp_path):
    text = CODEBOOK.replace("        required: true\n", "        required: *yes\n")

    message = _refused("import_codebook", _codebook(tmp_path, text), review="small")

    assert ": line 8: an alias (*yes): YAML anchors and aliases are not accepted" in message


def test_a_yaml_file_over_two_megabytes_is_refused_before_it_is_parsed(db, tmp_path):
    text = CODEBOOK + "".join(f"# comment line {n:07d} of padding\n" for n in range(70_000))

    message = _refused("import_codebook", _codebook(tmp_path, text), review="small")

    assert ": file: " in message and "a YAML file may have at most 2,097,152" in message
