"""The translation catalogues in locale/: compiling, merging translations in, checking.

Pure Python (polib), so that a fresh machine compiles the catalogues without GNU gettext
(`make install` runs `scripts/translations.py compile`). Extracting messages (makemessages)
still needs GNU gettext: only whoever refreshes the catalogues runs it. The command line is
scripts/translations.py; README, "Languages".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"
# Django's locale directory names of the catalogues we keep complete, and the key of each in
# the helpers' JSON files.
CATALOGUE_LANGUAGES = ("es", "zh_Hans")
DOMAINS = ("django", "djangojs")

# %(name)s / %s / %d / %% (python-format) and {0} / {name} (brace-format).
PYTHON_PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
BRACE_PLACEHOLDER = re.compile(r"\{[A-Za-z0-9_]*\}")


def po_path(language: str, domain: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / language / "LC_MESSAGES" / f"{domain}.po"


def po_files(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


# --- compiling ---------------------------------------------------------------------------

def compile_catalogues(locale_dir: Path = LOCALE_DIR, *, force: bool = False) -> list[Path]:
    """Write each .po's .mo beside it (translated entries only: fuzzy and untranslated ones
    are left out, as msgfmt does) when the .mo is missing or older. Returns the .mo written."""
    written = []
    for po in po_files(locale_dir):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        polib.pofile(str(po)).save_as_mofile(str(mo))
        written.append(mo)
    return written


# --- checking ----------------------------------------------------------------------------

def placeholders(text: str, python: bool = True) -> list[str]:
    """The placeholders of a message, sorted: python-format ones (Django's templates, gettext
    and interpolate() use them) unless `python` is false, and brace ones ({0}, {name}) always
    (our JavaScript's)."""
    found = [p for p in PYTHON_PLACEHOLDER.findall(text) if p != "%%"] if python else []
    found += BRACE_PLACEHOLDER.findall(text)
    return sorted(found)


FORMAT_FLAGS = {"python-format", "python-brace-format", "javascript-format", "c-format"}


def _has_python_format(entry: polib.POEntry) -> bool:
    """A python-format message (flagged so, or with %(name)s / %s in it): "100% sure" is
    not one."""
    source = entry.msgid + (entry.msgid_plural or "")
    return bool(FORMAT_FLAGS & set(entry.flags)) or bool(
        re.search(r"%\([^)]+\)[sdif]|%[sd]", source))


@dataclass
class Problem:
    path: Path
    msgid: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.msgid!r}: {self.reason}"


def nplurals(catalogue: polib.POFile) -> int:
    """How many plural forms the catalogue's language has (its Plural-Forms header)."""
    match = re.search(r"nplurals\s*=\s*(\d+)", catalogue.metadata.get("Plural-Forms", ""))
    return int(match.group(1)) if match else 2


def entry_problems(path: Path, entry: polib.POEntry, forms: int = 2) -> list[Problem]:
    """Untranslated (a plural with fewer than `forms` forms too), fuzzy, or a translation
    that drops, adds or changes a placeholder."""
    problems = []
    if entry.obsolete:
        return problems
    if "fuzzy" in entry.flags:
        problems.append(Problem(path, entry.msgid, "fuzzy"))
    if entry.msgid_plural:
        translations = [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
        if len(translations) < forms or not all(translations):
            problems.append(Problem(path, entry.msgid, "untranslated"))
            return problems
        # Every form must keep the plural's placeholders; a language whose form covers n = 1
        # only (the singular) may name the one thing instead of counting it, so the
        # singular's are accepted for form 0 as well.
        python = _has_python_format(entry)
        wanted_plural = placeholders(entry.msgid_plural, python)
        wanted_singular = placeholders(entry.msgid, python)
        for index, text in enumerate(translations):
            got = placeholders(text, python)
            if got != wanted_plural and not (index == 0 and got == wanted_singular):
                problems.append(Problem(path, entry.msgid,
                                        f"form {index} has placeholders {got}, "
                                        f"not {wanted_plural}"))
        return problems
    if not entry.msgstr:
        problems.append(Problem(path, entry.msgid, "untranslated"))
        return problems
    python = _has_python_format(entry)
    wanted, got = placeholders(entry.msgid, python), placeholders(entry.msgstr, python)
    if got != wanted:
        problems.append(Problem(path, entry.msgid, f"placeholders {got}, not {wanted}"))
    return problems


def catalogue_problems(paths) -> list[Problem]:
    problems = []
    for path in paths:
        catalogue = polib.pofile(str(path))
        forms = nplurals(catalogue)
        for entry in catalogue:
            problems += entry_problems(Path(path), entry, forms)
    return problems


# --- merging the helpers' JSON translations -----------------------------------------------

@dataclass
class MergeReport:
    filled: int = 0
    not_in_catalogues: list[str] = field(default_factory=list)
    untranslated: dict[str, list[str]] = field(default_factory=dict)  # .po path -> msgids
    conflicts: list[str] = field(default_factory=list)


def _key(msgctxt, msgid) -> tuple[str, str]:
    return (msgctxt or "", msgid)


def _translation(item: dict, language: str):
    value = item.get(language)
    if value is None and language == "zh_Hans":
        value = item.get("zh-hans")
    return value


def merge_json(json_paths, locale_dir: Path = LOCALE_DIR,
               languages=CATALOGUE_LANGUAGES, domains=DOMAINS) -> MergeReport:
    """Fill the catalogues' empty (or fuzzy) translations from the JSON files: lists of
    {"msgid", "msgid_plural"?, "msgctxt"?, "es": str | [str, ...], "zh_Hans": ...}. A filled
    entry loses its fuzzy flag; a translated one is left as it is. Reports the JSON msgids
    found in no catalogue and the entries still untranslated."""
    report = MergeReport()
    items = []
    for json_path in json_paths:
        data = json.loads(Path(json_path).read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise ValueError(f"{json_path}: not a JSON list of translations")
        for number, item in enumerate(data, start=1):
            if not isinstance(item, dict) or not isinstance(item.get("msgid"), str):
                raise ValueError(f"{json_path}: item {number} has no msgid")
            items.append(item)
    found = set()
    for language in languages:
        for domain in domains:
            path = po_path(language, domain, locale_dir)
            if not path.exists():
                continue
            catalogue = polib.pofile(str(path))
            entries = {_key(e.msgctxt, e.msgid): e for e in catalogue if not e.obsolete}
            changed = False
            for item in items:
                entry = entries.get(_key(item.get("msgctxt"), item["msgid"]))
                if entry is None:
                    continue
                found.add(_key(item.get("msgctxt"), item["msgid"]))
                value = _translation(item, language)
                if not value:
                    continue
                if _fill(entry, value, nplurals(catalogue)):
                    report.filled += 1
                    changed = True
            if changed:
                catalogue.metadata_is_fuzzy = False
                catalogue.metadata.setdefault("Language", language)
                if not catalogue.metadata.get("Language"):
                    catalogue.metadata["Language"] = language
                catalogue.save(str(path))
            forms = nplurals(catalogue)
            missing = [e.msgid for e in catalogue
                       if any(p.reason in ("untranslated", "fuzzy")
                              for p in entry_problems(path, e, forms))]
            if missing:
                report.untranslated[str(path)] = missing
    report.not_in_catalogues = sorted({
        item["msgid"] for item in items if _key(item.get("msgctxt"), item["msgid"]) not in found
    })
    return report


def _fill(entry: polib.POEntry, value, forms: int = 2) -> bool:
    """Put `value` in an empty or fuzzy entry (a plural gets the language's `forms` forms:
    the JSON's first for form 0, its last for any form it lacks); True when it changed."""
    fuzzy = "fuzzy" in entry.flags
    if entry.msgid_plural:
        texts = value if isinstance(value, list) else [value]
        current = [entry.msgstr_plural.get(k, "") for k in sorted(entry.msgstr_plural)]
        if len(current) >= forms and all(current) and not fuzzy:
            return False
        entry.msgstr_plural = {i: texts[min(i, len(texts) - 1)] for i in range(forms)}
    else:
        text = value[0] if isinstance(value, list) else value
        if entry.msgstr and not fuzzy:
            return False
        entry.msgstr = text
    if fuzzy:
        entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    return True
