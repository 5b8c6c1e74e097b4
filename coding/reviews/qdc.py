"""REFI-QDA codebook exchange (`.qdc`, namespace `urn:QDA-XML:codebook:1.0`): the codebook in
the YAML file's shape (`importers.codebook_as_dict`) to a `.qdc` file and back.

The mapping (README, "Codebooks from other tools"):

- each section is a top-level code that is not codable (a folder in NVivo and ATLAS.ti);
- each attribute is a code inside it, its help text the code's `Description`; a choice
  attribute is not codable itself, its options are codable child codes in order (the none
  option last); a text, number or yes/no attribute is a codable leaf code;
- every GUID is derived from the keys (uuid5 over a namespace of this app, not of a review),
  so exporting the same codebook twice writes the same file, and a code keeps its GUID
  across versions while its key stays;
- what REFI-QDA cannot say (the codebook's title, keys, kinds, levels, required, which
  option is the none option) is data in one `Set` of the file, "Coproduction codebook
  settings", whose description holds it as JSON per code GUID. The schema allows no
  attributes or elements of our own, and an XML comment is not data. A key is taken from it
  only when the code's GUID is the one derived from that key.

A file from another tool (NVivo, ATLAS.ti, MAXQDA, Taguette, QualCoder) has no such set:
a top-level code with grandchildren becomes a section and its child codes attributes; any
other top-level code is an attribute of one section "Codes". A code with children becomes a
multiple-choice attribute whose options are its descendants, depth first (a grandchild's
label is "Child / Grandchild"); a leaf code becomes a yes/no attribute. Keys are made from
the names, unique. The lead reviews the proposed kinds before the codebook is saved.

Files are read with defusedxml's parser: no DOCTYPE (so no entities), at most
`QDC_MAX_SIZE` bytes, `QDC_MAX_DEPTH` levels and `QDC_MAX_ELEMENTS` elements
(`coding/input_limits.py`); then checked against the published schema (`schemas/`).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree as ET

import xmlschema
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coding.input_limits import QDC_MAX_DEPTH, QDC_MAX_ELEMENTS, QDC_MAX_SIZE
from coding.reviews.languages import source_text

__all__ = ["NAMESPACE", "QdcInvalid", "codebook_to_qdc", "qdc_to_codebook", "qdc_schema"]

NAMESPACE = "urn:QDA-XML:codebook:1.0"
# QualCoder wrote "1:0" for the version until 2021 (its current exports use "1.0").
LEGACY_NAMESPACES = ("urn:QDA-XML:codebook:1:0",)
ORIGIN = "Coproduction coding"
SCHEMA = Path(__file__).with_name("schemas") / "Codebook.xsd"

# The namespace of every GUID this app writes: fixed, so that GUIDs depend on keys only.
GUID_NAMESPACE = uuid.UUID("6f0c2f7e-3b9a-5d43-9c1e-2a7d51c0b8e4")
SETTINGS_SET_NAME = "Coproduction codebook settings"
SETTINGS_FORMAT = "coproduction-codebook/1"
# Labels and titles: the database's column sizes (also checked by the importer).
NAME_MAX = 200

_GUID = re.compile(
    r"\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?\Z"
)


class QdcInvalid(ValidationError):
    """A `.qdc` file that cannot be read: its `name`, the place (`where`) and the `reason`."""

    def __init__(self, name: str, where: str, reason: str):
        self.name, self.where, self.reason = name, where, reason
        super().__init__(f"{name}: {where}: {reason}", code="invalid_qdc")


def section_guid(title: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, f"section:{title}"))


def attribute_guid(key: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, f"attribute:{key}"))


def option_guid(attribute_key: str, option_key: str) -> str:
    # ';' is in neither kind of key, so the pair is unambiguous.
    return str(uuid.uuid5(GUID_NAMESPACE, f"option:{attribute_key};{option_key}"))


SETTINGS_GUID = str(uuid.uuid5(GUID_NAMESPACE, "set:settings"))


def _q(tag: str, namespace: str = NAMESPACE) -> str:
    return f"{{{namespace}}}{tag}"


# --- writing ----------------------------------------------------------------------


def codebook_to_qdc(codebook: dict) -> bytes:
    """The codebook (the YAML file's shape) as a REFI-QDA codebook file, UTF-8, valid
    against the published schema."""
    # Unqualified names under a default xmlns: ElementTree cannot write a default namespace
    # beside unqualified attributes, and a prefix would make the file harder to read.
    root = ET.Element("CodeBook", {"xmlns": NAMESPACE, "origin": ORIGIN})
    codes = ET.SubElement(root, "Codes")
    settings = {
        "format": SETTINGS_FORMAT, "title": codebook["title"], "sections": [],
        "attributes": {}, "options": {},
    }
    members = []
    for section in codebook["sections"]:
        title = source_text(section["title"])
        guid = section_guid(title)
        settings["sections"].append(guid)
        section_code = _code(codes, guid, title, codable=False)
        for attribute in section["attributes"]:
            key = attribute["key"]
            options = list(attribute.get("options") or [])
            none = attribute.get("none_option")
            if none:
                options.append(none)
            guid = attribute_guid(key)
            members.append(guid)
            code = _code(section_code, guid, source_text(attribute["label"]), codable=not options,
                         description=source_text(attribute.get("help") or ""))
            settings["attributes"][guid] = {
                "key": key, "kind": attribute["kind"], "level": attribute.get("level") or "",
                "required": bool(attribute.get("required")),
            }
            for option in options:
                o_guid = option_guid(key, option["key"])
                _code(code, o_guid, source_text(option["label"]), codable=True)
                settings["options"][o_guid] = {"key": option["key"]}
                if option is none:
                    settings["options"][o_guid]["none"] = True
    sets = ET.SubElement(root, "Sets")
    settings_set = ET.SubElement(sets, "Set", {"guid": SETTINGS_GUID, "name": SETTINGS_SET_NAME})
    ET.SubElement(settings_set, "Description").text = json.dumps(
        settings, ensure_ascii=False, indent=1)
    for guid in members:
        ET.SubElement(settings_set, "MemberCode", {"guid": guid})
    ET.indent(root)
    # A carriage return in a help text would be read back as a line feed (XML normalises
    # line ends); as a character reference it stays. Indentation has none, and ElementTree
    # writes one in an attribute as a reference already, so every "\r" left is text.
    text = ET.tostring(root, encoding="unicode").replace("\r", "&#13;")
    data = b'<?xml version="1.0" encoding="UTF-8"?>\n' + text.encode() + b"\n"
    # What we write follows the standard (anything else is a bug here).
    qdc_schema().validate(ET.fromstring(data))
    return data


def _code(parent: ET.Element, guid: str, name: str, *, codable: bool,
          description: str = "") -> ET.Element:
    code = ET.SubElement(parent, "Code", {
        "guid": guid, "name": name, "isCodable": "true" if codable else "false",
    })
    if description:
        ET.SubElement(code, "Description").text = description
    return code


@lru_cache(maxsize=1)
def qdc_schema() -> xmlschema.XMLSchema:
    """The REFI-QDA Codebook.xsd (vendored, MIT; see schemas/README.md)."""
    return xmlschema.XMLSchema(str(SCHEMA))


# --- reading ----------------------------------------------------------------------


@dataclass
class _Code:
    # isCodable is checked but not used: tools disagree on it (QualCoder's categories are
    # not codable, NVivo's parent codes are), so the tree's shape decides.
    guid: str
    name: str
    description: str = ""
    children: list[_Code] = field(default_factory=list)


class _Refused(Exception):
    def __init__(self, line: int, reason: str):
        self.line, self.reason = line, reason


class _Builder(ET.TreeBuilder):
    """Keeps each element's line and bounds the depth and number of elements."""

    def __init__(self):
        super().__init__()
        self.parser: DefusedXMLParser | None = None
        self.lines: dict[ET.Element, int] = {}
        self.depth = 0
        self.count = 0

    def line(self) -> int:
        return self.parser.parser.CurrentLineNumber if self.parser else 0

    def start(self, tag, attrs):
        self.depth += 1
        self.count += 1
        if self.depth > QDC_MAX_DEPTH:
            raise _Refused(self.line(), _("elements nest more than %(n)d levels deep")
                           % {"n": QDC_MAX_DEPTH})
        if self.count > QDC_MAX_ELEMENTS:
            raise _Refused(self.line(), _("more than %(n)s elements")
                           % {"n": f"{QDC_MAX_ELEMENTS:,}"})
        element = super().start(tag, attrs)
        self.lines[element] = self.line()
        return element

    def end(self, tag):
        self.depth -= 1
        return super().end(tag)


def _parse_xml(data: bytes, name: str) -> tuple[ET.Element, dict[ET.Element, int]]:
    if len(data) > QDC_MAX_SIZE:
        raise QdcInvalid(name, _("file"), _("larger than %(mb)d MB") % {
            "mb": QDC_MAX_SIZE // (1024 * 1024)})
    if not data.strip():
        raise QdcInvalid(name, _("file"), _("the file is empty"))
    builder = _Builder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except _Refused as refused:
        raise QdcInvalid(name, _("line %(n)d") % {"n": refused.line}, refused.reason) from None
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise QdcInvalid(name, _("line %(n)d") % {"n": builder.line()},
                         _("a DOCTYPE or entity declaration is not allowed in a codebook "
                           "file (entities could expand without bound)")) from None
    except ET.ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else builder.line()
        raise QdcInvalid(name, _("line %(n)d") % {"n": line},
                         _("not well-formed XML (%(error)s); is this a REFI-QDA codebook "
                           "(.qdc)?") % {"error": _xml_reason(error)}) from None
    return root, builder.lines


def _xml_reason(error: ET.ParseError) -> str:
    # "not well-formed (invalid token): line 1, column 0" -> "not well-formed (invalid token)"
    return re.sub(r":\s*line \d+, column \d+\s*\Z", "", str(error))


class _Reader:
    def __init__(self, name: str, root: ET.Element, lines: dict[ET.Element, int]):
        self.name, self.root, self.lines = name, root, lines
        self.guids: dict[str, int] = {}
        namespace, _sep, local = root.tag[1:].partition("}") if root.tag.startswith(
            "{") else ("", "", root.tag)
        if local != "CodeBook":
            self.fail(root, _("the root element is <%(tag)s>, not <CodeBook>: this is not a "
                              "REFI-QDA codebook") % {"tag": local})
        if namespace != NAMESPACE and namespace not in LEGACY_NAMESPACES:
            found = f"'{namespace}'" if namespace else _("none")
            self.fail(root, _("the namespace is %(found)s; a REFI-QDA codebook has "
                              "xmlns=\"%(ns)s\"") % {"found": found, "ns": NAMESPACE})
        self.namespace = namespace

    def where(self, element: ET.Element, code_name: str | None = None) -> str:
        line = self.lines.get(element, 0)
        if code_name == "":
            return _("Code (line %(n)d)") % {"n": line}
        if code_name is not None:
            return _("Code %(name)s (line %(n)d)") % {"name": repr(code_name[:60]), "n": line}
        return _("line %(n)d") % {"n": line}

    def fail(self, element: ET.Element, reason: str, code_name: str | None = None):
        raise QdcInvalid(self.name, self.where(element, code_name), reason)

    def tag(self, local: str) -> str:
        return _q(local, self.namespace)

    def guid(self, element: ET.Element, code_name: str | None) -> str:
        raw = (element.get("guid") or "").strip()
        if not raw:
            self.fail(element, _("the 'guid' attribute is missing"), code_name)
        if not _GUID.match(raw):
            self.fail(element, _("'guid' %(guid)s is not a GUID (like "
                                 "8f1c…-…-…-…-…, 32 hexadecimal digits)")
                      % {"guid": repr(raw[:60])}, code_name)
        guid = raw.strip("{}").lower()
        if guid in self.guids:
            self.fail(element, _("GUID %(guid)s is also the GUID of the element on line "
                                 "%(n)d; each code needs its own") % {
                "guid": raw, "n": self.guids[guid]}, code_name)
        self.guids[guid] = self.lines.get(element, 0)
        return guid

    def codes(self) -> list[_Code]:
        found = self.root.findall(self.tag("Codes"))
        if len(found) != 1:
            self.fail(self.root, _("expected one <Codes> element, found %(n)d") % {
                "n": len(found)})
        top = [self.code(el) for el in found[0] if el.tag == self.tag("Code")]
        if not top:
            self.fail(found[0], _("<Codes> holds no <Code>: the codebook is empty"))
        return top

    def code(self, element: ET.Element) -> _Code:
        name = (element.get("name") or "").strip()
        if not name:
            self.fail(element, _("the code has no name (attribute 'name' is missing or "
                                 "empty)"), "")
        guid = self.guid(element, name)
        codable = (element.get("isCodable") or "").strip()
        if codable not in ("true", "false", "1", "0"):
            self.fail(element, _("'isCodable' must be true or false, got %(value)s") % {
                "value": repr(element.get("isCodable"))}, name)
        if len(name) > NAME_MAX:
            self.fail(element, _("the name is longer than %(n)d characters") % {"n": NAME_MAX},
                      name)
        code = _Code(guid=guid, name=name)
        for child in element:
            if child.tag == self.tag("Description"):
                code.description = (child.text or "").strip()
            elif child.tag == self.tag("Code"):
                code.children.append(self.code(child))
        return code

    def settings(self) -> dict:
        """Our settings set, if the file has it ({} otherwise)."""
        for sets in self.root.findall(self.tag("Sets")):
            for element in sets.findall(self.tag("Set")):
                name = (element.get("name") or "").strip()
                self.guid(element, name or None)
                if name != SETTINGS_SET_NAME:
                    continue
                description = element.find(self.tag("Description"))
                text = description.text if description is not None else ""
                try:
                    settings = json.loads(text or "")
                except (ValueError, RecursionError):
                    settings = None
                if not _settings_shape_ok(settings):
                    self.fail(element, _("the set %(name)s does not hold this app's codebook "
                                         "settings (JSON with format %(format)s); rename the "
                                         "set or export the codebook again") % {
                        "name": repr(SETTINGS_SET_NAME), "format": SETTINGS_FORMAT})
                return settings
        return {}

    def check_schema(self) -> None:
        """The published schema, after what we checked ourselves (clearer messages first).
        Tolerated: an empty <Sets/> (Taguette writes one; the schema wants a Set in it)
        and QualCoder's old namespace."""
        root = self.root
        for sets in root.findall(self.tag("Sets")):
            if not len(sets):
                root.remove(sets)
        if self.namespace != NAMESPACE:
            for element in root.iter():
                element.tag = element.tag.replace(f"{{{self.namespace}}}", f"{{{NAMESPACE}}}")
        error = next(qdc_schema().iter_errors(root), None)
        if error is not None:
            element = error.elem if isinstance(error.elem, ET.Element) else root
            reason = (error.reason or error.message).replace(f"{{{NAMESPACE}}}", "")
            name = element.get("name") if element.tag == _q("Code") else None
            self.fail(element, _("does not follow the REFI-QDA codebook schema: %(reason)s")
                      % {"reason": reason}, name or None)


def _settings_shape_ok(settings) -> bool:
    return (
        isinstance(settings, dict) and settings.get("format") == SETTINGS_FORMAT
        and isinstance(settings.get("title"), str)
        and isinstance(settings.get("sections"), list)
        and isinstance(settings.get("attributes"), dict)
        and isinstance(settings.get("options"), dict)
        and all(isinstance(v, dict) for v in settings["attributes"].values())
        and all(isinstance(v, dict) for v in settings["options"].values())
    )


def qdc_to_codebook(data: bytes, *, name: str) -> dict:
    """A REFI-QDA codebook file as the codebook's plain data (the YAML file's shape, for the
    importer's validation). Raises QdcInvalid (a ValidationError) naming `name` and the
    place: "codes.qdc: Code 'Participation' (line 12): …"."""
    root, lines = _parse_xml(data, name)
    reader = _Reader(name, root, lines)
    top = reader.codes()
    settings = reader.settings()
    reader.check_schema()
    return _Assembler(settings, name).codebook(top)


class _Assembler:
    """The codebook from the tree of codes (module docstring: the rules)."""

    def __init__(self, settings: dict, name: str):
        self.settings = settings
        self.name = name
        self.sections = set(settings.get("sections") or [])
        self.attributes = settings.get("attributes") or {}
        self.options = settings.get("options") or {}
        self.keys: set[str] = set()

    def codebook(self, top: list[_Code]) -> dict:
        # Our keys first, so that a key made from a name never takes one of them.
        self.keys = {k for c in _walk(top) if (k := self.our_attribute_key(c)) is not None}
        sections: list[dict] = []
        loose: dict | None = None
        for code in top:
            if code.guid in self.sections or any(child.children for child in code.children):
                sections.append({"title": code.name,
                                 "attributes": [self.attribute(c) for c in code.children]})
            else:
                if loose is None:
                    loose = {"title": _unused_title(top, _("Codes")), "attributes": []}
                    sections.append(loose)
                loose["attributes"].append(self.attribute(code))
        title = self.settings.get("title") or Path(self.name).stem.strip() or _(
            "Imported codebook")
        return {"title": title, "sections": sections}

    def our_attribute_key(self, code: _Code) -> str | None:
        entry = self.attributes.get(code.guid)
        key = entry.get("key") if entry else None
        if isinstance(key, str) and attribute_guid(key) == code.guid:
            return key
        return None

    def attribute(self, code: _Code) -> dict:
        entry = self.attributes.get(code.guid) or {}
        key = self.our_attribute_key(code)
        if key is None:
            key = _unique(_slug(code.name, "code"), self.keys)
            entry = {}
        options, notes, none_option = [], [], None
        option_keys: set[str] = set()
        for option, label in _options(code):
            o_entry = self.options.get(option.guid) or {}
            o_key = o_entry.get("key") if entry else None
            if not (isinstance(o_key, str) and option_guid(key, o_key) == option.guid):
                o_key, o_entry = _unique(_slug(label, "option"), option_keys), {}
            option_keys.add(o_key)
            if option.description:
                notes.append(f"{label}: {option.description}")
            if o_entry.get("none") is True:
                none_option = {"key": o_key, "label": label}
            else:
                options.append({"key": o_key, "label": label})
        help_text = "\n\n".join([code.description, *notes]).strip()
        if entry:
            kind, level = entry.get("kind"), entry.get("level") or ""
            required = entry.get("required", False)
        else:
            # Proposed kinds: the lead reviews them in the editor before saving.
            kind = "multi" if options or none_option else "boolean"
            level, required = "nominal", False
        attribute = {"key": key, "label": code.name, "kind": kind, "help": help_text,
                     "required": required, "level": level, "options": options}
        if none_option is not None:
            attribute["none_option"] = none_option
        return attribute


def _walk(codes: list[_Code]):
    for code in codes:
        yield code
        yield from _walk(code.children)


def _options(code: _Code, prefix: str = ""):
    """(code, label) for each descendant, depth first; deeper labels carry their path."""
    for child in code.children:
        label = f"{prefix}{child.name}"
        yield child, label if len(label) <= NAME_MAX else label[:NAME_MAX - 1] + "…"
        yield from _options(child, f"{label} / ")


def _slug(name: str, fallback: str) -> str:
    return slugify(name).replace("-", "_")[:60].strip("_") or fallback


def _unique(base: str, taken: set[str]) -> str:
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    taken.add(key)
    return key


def _unused_title(top: list[_Code], title: str) -> str:
    names = {code.name for code in top}
    candidate, n = title, 2
    while candidate in names:
        candidate, n = f"{title} ({n})", n + 1
    return candidate
