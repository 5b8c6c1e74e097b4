"""Times that say their time zone: one rule for every server-rendered time.

A time is shown in the reader's time zone (their account's, else the site's TIME_ZONE: the
zone coding.middleware.AccountLocaleMiddleware activates; a mail activates the recipient's),
written in the reader's language's format, and followed by the zone's abbreviation (UTC,
CET, CST...). `{{ value|zoned }}` gives a <time datetime="ISO 8601"> element; `|zoned_text`
the same words without markup (mails, title attributes). The format is "datetime" (date and
time, the default), "short" (the short date and time) or "date" (the date only: no zone, a
calendar day is not a moment).

    {% load zoned_time %}
    Submitted {{ coding.submitted_at|zoned }}
"""

from datetime import date, datetime

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html

register = template.Library()

FORMATS = {
    "datetime": "DATETIME_FORMAT",
    "short": "SHORT_DATETIME_FORMAT",
    "date": "DATE_FORMAT",
}


def zone_name(value: datetime) -> str:
    """The zone's abbreviation at that moment (CET or CEST), else its offset (+08)."""
    name = value.tzname() or ""
    return name


def _parts(value, style: str):
    if not isinstance(value, (datetime, date)) or value in ("", None):
        return None
    if style not in FORMATS:
        style = "datetime"
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        text = formats.date_format(value, FORMATS[style])
        if style == "date":
            return value.isoformat(), text, ""
        return value.isoformat(timespec="seconds"), text, zone_name(value)
    return value.isoformat(), formats.date_format(value, "DATE_FORMAT"), ""


@register.filter
def zoned(value, style: str = "datetime"):
    """<time datetime="2026-12-07T08:15:00+01:00">7 Dec 2026, 08:15 <abbr>CET</abbr></time>"""
    parts = _parts(value, style)
    if parts is None:
        return ""
    iso, text, zone = parts
    if not zone:
        return format_html('<time datetime="{}">{}</time>', iso, text)
    return format_html('<time datetime="{}">{} <span class="time-zone">{}</span></time>',
                       iso, text, zone)


@register.filter
def zoned_text(value, style: str = "datetime") -> str:
    """The same words as `zoned`, without markup."""
    parts = _parts(value, style)
    if parts is None:
        return ""
    _iso, text, zone = parts
    return f"{text} {zone}" if zone else text
