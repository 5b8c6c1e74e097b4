"""The interface's translation catalogues (locale/), README "Languages".

    .venv/bin/python scripts/translations.py extract          # makemessages: both domains
    .venv/bin/python scripts/translations.py merge tr/*.json  # fill empty msgstr from JSON
    .venv/bin/python scripts/translations.py check            # untranslated, fuzzy, placeholders
    .venv/bin/python scripts/translations.py compile          # .po -> .mo (polib, no gettext)

`extract` runs Django's makemessages (it needs GNU gettext: xgettext, msgmerge) for the
`django` domain (templates, Python, the .txt mail templates) and the `djangojs` domain
(static/js), for every language in locale/ (es, zh_Hans). `compile` needs only polib; `make
install` runs it. `merge` takes JSON files of translations (a list of {"msgid",
"msgid_plural"?, "msgctxt"?, "es", "zh_Hans"}) and reports what it could not place.
Exit 1 when `check` finds a problem or `merge` leaves an entry untranslated.
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

IGNORED = [".venv", "node_modules", "static/vendor", "staticfiles", "tests", "bench",
           "media", "fixtures", "*/vendor/*"]


def extract(languages: list[str]) -> int:
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
    manage = [sys.executable, str(ROOT / "manage.py"), "makemessages", "--no-obsolete",
              "--add-location", "file", *[f"--locale={lang}" for lang in languages]]
    for pattern in IGNORED:
        manage.append(f"--ignore={pattern}")
    for command in (
        [*manage, "--domain=django", "--extension=html,txt,py"],
        [*manage, "--domain=djangojs", "--extension=js"],
    ):
        result = subprocess.run(command, cwd=ROOT, env=env)
        if result.returncode:
            return result.returncode
    return 0


def main(argv=None) -> int:
    from coding import catalogues

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("extract", help="run makemessages for both domains")
    compile_ = sub.add_parser("compile", help="compile every .po into its .mo")
    compile_.add_argument("--force", action="store_true", help="even when the .mo is newer")
    merge = sub.add_parser("merge", help="fill empty translations from JSON files")
    merge.add_argument("json", nargs="+", type=Path)
    sub.add_parser("check", help="untranslated or fuzzy entries, changed placeholders")
    args = parser.parse_args(argv)

    if args.command == "extract":
        languages = [p.name for p in sorted(catalogues.LOCALE_DIR.iterdir()) if p.is_dir()] \
            if catalogues.LOCALE_DIR.exists() else []
        return extract(languages or list(catalogues.CATALOGUE_LANGUAGES))
    if args.command == "compile":
        written = catalogues.compile_catalogues(force=args.force)
        print(f"{len(written)} catalogue(s) compiled.")
        return 0
    if args.command == "merge":
        try:
            report = catalogues.merge_json(args.json)
        except (OSError, ValueError) as error:
            print(f"merge: {error}", file=sys.stderr)
            return 2
        print(f"{report.filled} translation(s) filled in.")
        if report.not_in_catalogues:
            print(f"{len(report.not_in_catalogues)} msgid(s) of the JSON are in no catalogue "
                  "(a typo, or a string not extracted yet):")
            for msgid in report.not_in_catalogues:
                print(f"  {msgid!r}")
        for path, msgids in report.untranslated.items():
            print(f"{path}: {len(msgids)} entr{'y' if len(msgids) == 1 else 'ies'} "
                  "still untranslated or fuzzy:")
            for msgid in msgids:
                print(f"  {msgid!r}")
        return 1 if report.untranslated else 0
    if args.command == "check":
        paths = [catalogues.po_path(lang, domain) for lang in catalogues.CATALOGUE_LANGUAGES
                 for domain in catalogues.DOMAINS]
        missing = [p for p in paths if not p.exists()]
        problems = catalogues.catalogue_problems([p for p in paths if p.exists()])
        for path in missing:
            print(f"{path}: missing (run `extract`)")
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s).")
        return 1 if problems or missing else 0
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # the report piped into `head`
        sys.exit(1)
