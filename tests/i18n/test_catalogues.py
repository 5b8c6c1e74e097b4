"""The translation catalogues: complete and faithful (es, zh_Hans; both domains), compiled and
used; and the tooling that keeps them so (coding/catalogues.py, scripts/translations.py),
proven on small catalogues of its own.

test_catalogues_are_complete_and_keep_placeholders fails until every string is translated:
run `scripts/translations.py check` for the list."""

import json
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse

from coding import catalogues

ROOT = Path(__file__).resolve().parents[2]


def test_catalogues_are_complete_and_keep_placeholders():
    paths = [catalogues.po_path(lang, domain) for lang in catalogues.CATALOGUE_LANGUAGES
             for domain in catalogues.DOMAINS]
    missing = [str(p.relative_to(ROOT)) for p in paths if not p.exists()]
    assert not missing, f"catalogues missing (scripts/translations.py extract): {missing}"
    problems = catalogues.catalogue_problems(paths)
    assert not problems, f"{len(problems)} problems, e.g.:\n" + "\n".join(
        str(p) for p in problems[:30])


@pytest.mark.django_db
def test_compiled_catalogues_are_used(client):
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Saltar al contenido" in html
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "跳到正文" in html


# --- the tooling, on synthetic catalogues --------------------------------------------------

HEADER = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=%d; plural=%s;\\n"

'''


def write_po(path: Path, body: str, nplurals: int = 2, plural: str = "n != 1") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER % (nplurals, plural) + body, encoding="utf-8")
    return path


def reasons(path: Path) -> list[tuple[str, str]]:
    return [(p.msgid, p.reason) for p in catalogues.catalogue_problems([path])]


@pytest.mark.parametrize("msgid, msgstr, ok", [
    ("Hello %(name)s", "Hola %(name)s", True),
    ("Hello %(name)s", "Hola %(nombre)s", False),  # changed
    ("Hello %(name)s", "Hola", False),  # dropped
    ("%s of %s", "%s de %s", True),
    ("%s of %s", "%s de", False),
    ("{0} cases", "{0} casos", True),
    ("{0} cases", "{1} casos", False),
    ("100%% done", "100%% hecho", True),
    ("Saved", "Guardado {0}", False),  # added
    ("100% sure", "100 % seguro", True),  # not a python-format message
])
def test_placeholder_check(tmp_path, msgid, msgstr, ok):
    flag = "#, python-format\n" if "%(" in msgid or "%s" in msgid else ""
    po = write_po(tmp_path / "django.po", f'{flag}msgid "{msgid}"\nmsgstr "{msgstr}"\n')
    assert (reasons(po) == []) is ok


def test_untranslated_fuzzy_and_short_plurals_are_reported(tmp_path):
    po = write_po(tmp_path / "django.po", '''msgid "Empty"
msgstr ""

#, fuzzy
msgid "Guessed"
msgstr "Adivinado"

msgid "%(n)s case"
msgid_plural "%(n)s cases"
msgstr[0] "%(n)s caso"
msgstr[1] "%(n)s casos"

msgid "Done"
msgstr "Hecho"
''', nplurals=3, plural="n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2")
    assert reasons(po) == [("Empty", "untranslated"), ("Guessed", "fuzzy"),
                           ("%(n)s case", "untranslated")]


def test_plural_form_zero_may_name_the_singulars_placeholders(tmp_path):
    po = write_po(tmp_path / "django.po", '''msgid "Case %(case)s"
msgid_plural "%(n)s cases"
msgstr[0] "%(n)s 个案例"
''', nplurals=1, plural="0")
    assert reasons(po) == []
    po = write_po(tmp_path / "other.po", '''msgid "%(n)s case"
msgid_plural "%(n)s cases"
msgstr[0] "%(n)s caso"
msgstr[1] "casos"
''')
    assert [r for _, r in reasons(po)] == ["form 1 has placeholders [], not ['%(n)s']"]


def test_merge_fills_empty_and_fuzzy_entries_only_and_reports_the_rest(tmp_path):
    locale = tmp_path / "locale"
    es = write_po(catalogues.po_path("es", "django", locale), '''msgid "Save"
msgstr ""

#, fuzzy
#| msgid "Saved"
msgid "Saved!"
msgstr "Guardado"

msgid "Kept"
msgstr "Mantenido"

msgid "%(n)s case"
msgid_plural "%(n)s cases"
msgstr[0] ""
msgstr[1] ""

msgid "Nobody translated me"
msgstr ""
''', nplurals=3, plural="n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2")
    zh = write_po(catalogues.po_path("zh_Hans", "djangojs", locale), '''msgctxt "verb"
msgid "Save"
msgstr ""
''', nplurals=1, plural="0")
    tr = tmp_path / "helper.json"
    tr.write_text(json.dumps([
        {"msgid": "Save", "es": "Guardar", "zh_Hans": "保存"},
        {"msgid": "Save", "msgctxt": "verb", "es": "Guardar", "zh_Hans": "保存（动词）"},
        {"msgid": "Saved!", "es": "¡Guardado!", "zh_Hans": "已保存！"},
        {"msgid": "Kept", "es": "Otro", "zh_Hans": "保留"},
        {"msgid": "%(n)s case", "msgid_plural": "%(n)s cases",
         "es": ["%(n)s caso", "%(n)s casos"], "zh_Hans": ["%(n)s 个案例"]},
        {"msgid": "Not extracted", "es": "No extraído", "zh_Hans": "未提取"},
    ]), encoding="utf-8")
    report = catalogues.merge_json([tr], locale_dir=locale)
    entries = {e.msgid: e for e in polib.pofile(str(es))}
    assert entries["Save"].msgstr == "Guardar"
    assert entries["Saved!"].msgstr == "¡Guardado!" and "fuzzy" not in entries["Saved!"].flags
    assert entries["Kept"].msgstr == "Mantenido"  # translated already: left alone
    assert entries["%(n)s case"].msgstr_plural == {0: "%(n)s caso", 1: "%(n)s casos",
                                                   2: "%(n)s casos"}
    assert polib.pofile(str(zh)).find("Save", msgctxt="verb").msgstr == "保存（动词）"
    assert report.filled == 4
    assert report.not_in_catalogues == ["Not extracted"]
    assert report.untranslated == {str(es): ["Nobody translated me"]}
    assert catalogues.catalogue_problems([zh]) == []


def test_compile_writes_mo_files_without_fuzzy_entries(tmp_path):
    locale = tmp_path / "locale"
    po = write_po(catalogues.po_path("es", "django", locale), '''msgid "Save"
msgstr "Guardar"

#, fuzzy
msgid "Maybe"
msgstr "Quizás"
''')
    assert catalogues.compile_catalogues(locale) == [po.with_suffix(".mo")]
    mo = polib.mofile(str(po.with_suffix(".mo")))
    assert {e.msgid: e.msgstr for e in mo} == {"Save": "Guardar"}
    assert catalogues.compile_catalogues(locale) == []  # up to date: nothing to do


def test_script_runs_from_the_command_line(tmp_path):
    """As README says: `.venv/bin/python scripts/translations.py compile` (make install)."""
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "translations.py"),
                             "compile"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "compiled" in result.stdout
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "translations.py"),
                             "merge", str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "not a JSON list" in result.stderr
