"""Reading a codebook file (the import command, the Import page, the editor's "Open a file"):
the file's format by its name, parsed into plain data for codebooks.codebook_validate.

- `.yaml`/`.yml`: the YAML file of the README (no anchors or aliases, at most
  `YAML_MAX_SIZE` bytes and `MAX_NESTING` levels: coding/input_limits.py);
- `.json`: the same structure in JSON (the API's `GET …/codebook/?format=json`), with the
  same limits;
- `.qdc`: a REFI-QDA codebook (NVivo, ATLAS.ti, MAXQDA, Taguette, QualCoder, or this app's
  export), read by reviews/qdc.py within `QDC_MAX_SIZE`, `QDC_MAX_DEPTH` and
  `QDC_MAX_ELEMENTS`; a file from another tool gets proposed kinds for the lead to review.
"""

import json
from pathlib import PurePath

from django.utils.translation import gettext as _

from coding.fileio import ImportFailed, decode_utf8, yaml_read_bytes
from coding.input_limits import MAX_NESTING, YAML_MAX_SIZE, nesting_over
from coding.reviews.qdc import QdcInvalid, qdc_to_codebook

# The suffixes a codebook file may have.
CODEBOOK_SUFFIXES = (".yaml", ".yml", ".json", ".qdc")


def codebook_file_load(name: str, data: bytes) -> dict:
    """The codebook in the file `name` (its bytes `data`) as plain data, not yet validated.
    Raises ImportFailed naming the file, the place (a line) and the reason."""
    suffix = PurePath(name).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return yaml_read_bytes(data, name=name)
    if suffix == ".json":
        return _json_load(name, data)
    if suffix == ".qdc":
        try:
            return qdc_to_codebook(data, name=PurePath(name).name)
        except QdcInvalid as error:
            raise ImportFailed(name, error.where, error.reason) from None
    raise ImportFailed(name, "file", _("a codebook file ends in %(suffixes)s, not %(suffix)r")
                       % {"suffixes": ", ".join(CODEBOOK_SUFFIXES), "suffix": suffix or name})


def _json_load(name: str, data: bytes):
    if len(data) > YAML_MAX_SIZE:
        raise ImportFailed(name, "file", _("%(size)s bytes; a codebook file may have at most "
                                           "%(most)s") % {"size": f"{len(data):,}",
                                                          "most": f"{YAML_MAX_SIZE:,}"})
    text = decode_utf8(data, name=name, unit="line")
    try:
        parsed = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise ImportFailed(name, f"line {error.lineno}",
                           _("not valid JSON (%(problem)s)") % {"problem": error.msg}) from None
    except (ValueError, RecursionError) as error:
        raise ImportFailed(name, "file", _("not valid JSON (%(problem)s)") % {
            "problem": str(error) or type(error).__name__}) from None
    if nesting_over(parsed, MAX_NESTING):
        raise ImportFailed(name, "file", _("nested more than %(most)d levels deep; a codebook "
                                           "needs at most 7") % {"most": MAX_NESTING})
    return parsed


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number")
