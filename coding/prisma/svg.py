"""The PRISMA 2020 flow diagram (for new systematic reviews: databases, registers and other
sources in one column) as a standalone, accessible SVG drawn from a PrismaFlow.

Presentation attributes only (no <style> element and no style="…"), so the same SVG can be
inlined in a page under the site's CSP, downloaded as a file, and drawn on a canvas for PNG.
"""

from __future__ import annotations

import textwrap
import unicodedata
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from coding.prisma.selectors import BOXES, PrismaFlow, reason_label

WIDTH = 960
PHASE_X, PHASE_W = 10, 34
LEFT_X, LEFT_W = 60, 420
RIGHT_X, RIGHT_W = 540, 410
LINE = 19
PAD = 12
GAP = 36
FONT = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans CJK SC', sans-serif"
CHAR_PX = 7.6  # average advance of a Latin character at 14px; wide (CJK) characters count two


def _width(text: str) -> float:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text) * CHAR_PX


def _wrap(text: str, width_px: int) -> list[str]:
    """Lines of at most width_px, breaking at spaces where there are any (Latin) and anywhere
    otherwise (CJK has no spaces)."""
    limit = max(int(width_px / CHAR_PX), 10)
    lines = []
    for piece in textwrap.wrap(text, width=limit) or [""]:
        line = ""
        for char in piece:
            if _width(line + char) > width_px:
                lines.append(line)
                line = ""
            line += char
        lines.append(line)
    return lines


def n_text(count: int | None) -> str:
    if count is None:
        return _("(n = not reported)")
    return _("(n = %(count)s)") % {"count": number_format(count, force_grouping=True)}


@dataclass
class Box:
    x: int
    w: int
    lines: list[tuple[str, bool]]  # (text, bold)
    y: int = 0

    @property
    def h(self) -> int:
        return len(self.lines) * LINE + 2 * PAD


def _box(x: int, w: int, items: list[tuple[str, bool]]) -> Box:
    lines = []
    for text, bold in items:
        lines.extend((line, bold) for line in _wrap(text, w - 2 * PAD))
    return Box(x=x, w=w, lines=lines)


def _counted(key: str, count: int | None) -> list[tuple[str, bool]]:
    return [(f"{BOXES[key]} {n_text(count)}", False)]


def _draw_box(box: Box, out: list[str]) -> None:
    out.append(f'<rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="4" '
               f'fill="#ffffff" stroke="#1f2937" stroke-width="1.5"/>')
    for i, (text, bold) in enumerate(box.lines):
        weight = ' font-weight="700"' if bold else ""
        out.append(f'<text x="{box.x + PAD}" y="{box.y + PAD + (i + 1) * LINE - 5}"{weight}>'
                   f"{escape(text)}</text>")


def _arrow(x1, y1, x2, y2, out: list[str]) -> None:
    out.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#1f2937" '
               f'stroke-width="1.5" marker-end="url(#prisma-arrow)"/>')


def prisma_svg(flow: PrismaFlow, title: str) -> str:
    counts = flow.counts
    identified = [(_("Records identified from:"), True)]
    if flow.sources:
        identified += [(f"{source} {n_text(count)}", False) for source, count in flow.sources]
    else:
        identified += [(_("No sources recorded"), False)]
    identified += [(_("Total %(n)s") % {"n": n_text(counts["identified"])}, False)]
    removed = [(_("Records removed before screening:"), True)]
    for key in ("duplicates_removed", "automation_removed", "other_removed"):
        removed += _counted(key, counts[key])
    reasons = [(f"{BOXES['assessed_excluded']} {n_text(counts['assessed_excluded'])}", False)]
    reasons += [(f"{reason_label(reason)} {n_text(n)}", False) for reason, n in flow.reasons]

    rows = [
        (_("Identification"), _box(LEFT_X, LEFT_W, identified), _box(RIGHT_X, RIGHT_W, removed)),
        (_("Screening"), _box(LEFT_X, LEFT_W, _counted("screened", counts["screened"])),
         _box(RIGHT_X, RIGHT_W, _counted("screened_excluded", counts["screened_excluded"]))),
        (None, _box(LEFT_X, LEFT_W, _counted("sought", counts["sought"])),
         _box(RIGHT_X, RIGHT_W, _counted("not_retrieved", counts["not_retrieved"]))),
        (None, _box(LEFT_X, LEFT_W, _counted("assessed", counts["assessed"])),
         _box(RIGHT_X, RIGHT_W, reasons)),
        (_("Included"), _box(LEFT_X, LEFT_W, _counted("included", counts["included"])), None),
    ]
    body: list[str] = []
    y = 20
    phases: list[tuple[str, int, int]] = []  # (label, top, bottom)
    previous: Box | None = None
    for index, (phase, left, right) in enumerate(rows):
        height = max(left.h, right.h if right else 0)
        alone = phase and (index + 1 == len(rows) or rows[index + 1][0])
        if alone:  # a phase of one row is at least as tall as its label, written upwards
            height = max(height, int(_width(phase)) + 2 * PAD)
        left.y = y + (height - left.h) // 2
        _draw_box(left, body)
        if right:
            right.y = y + (height - right.h) // 2
            _draw_box(right, body)
            _arrow(LEFT_X + LEFT_W, y + height // 2, RIGHT_X - 2, y + height // 2, body)
        if previous:
            _arrow(LEFT_X + LEFT_W // 2, previous.y + previous.h, LEFT_X + LEFT_W // 2,
                   left.y - 2, body)
        if phase:
            phases.append((phase, y, y + height))
        else:
            label, top, _bottom = phases[-1]
            phases[-1] = (label, top, y + height)
        previous = left
        y += height + GAP
    height = y - GAP + 20

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" class="prisma-diagram" '
        f'aria-labelledby="prisma-title prisma-desc" font-family="{escape(FONT)}" '
        f'font-size="14" fill="#111827">',
        f'<title id="prisma-title">{escape(title)}</title>',
        f'<desc id="prisma-desc">{escape(prisma_summary(flow))}</desc>',
        '<defs><marker id="prisma-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#1f2937"/></marker></defs>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    for label, top, bottom in phases:
        middle = (top + bottom) / 2
        out.append(f'<rect x="{PHASE_X}" y="{top}" width="{PHASE_W}" height="{bottom - top}" '
                   f'rx="4" fill="#dbeafe" stroke="#1e3a8a" stroke-width="1"/>')
        out.append(f'<text x="{PHASE_X + PHASE_W / 2}" y="{middle}" font-weight="700" '
                   f'text-anchor="middle" dominant-baseline="central" '
                   f'transform="rotate(-90 {PHASE_X + PHASE_W / 2} {middle})">'
                   f"{escape(label)}</text>")
    out += body
    out.append("</svg>")
    return "\n".join(out)


def prisma_summary(flow: PrismaFlow) -> str:
    """The diagram in words, for its <desc> (what a screen reader says)."""
    parts = []
    for source, count in flow.sources:
        parts.append(_("Identified from %(source)s %(n)s") % {"source": source,
                                                               "n": n_text(count)})
    for key, label in BOXES.items():
        parts.append(f"{label} {n_text(flow.counts.get(key))}")
    for reason, n in flow.reasons:
        parts.append(_("Excluded: %(reason)s %(n)s") % {"reason": reason_label(reason),
                                                          "n": n_text(n)})
    return "; ".join(parts) + "."
