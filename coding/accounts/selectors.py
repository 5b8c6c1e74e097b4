"""A person's language and time zone: what their account says, else the site's defaults.

The middleware asks on every request of a signed-in person, so the answer is kept in the
cache (no query once known) and forgotten whenever the settings change
(coding.accounts.services.account_preferences_set).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from coding.models import NotificationSettings

CACHE_SECONDS = 60 * 60 * 24


@dataclass(frozen=True)
class LocalePreferences:
    language: str = ""  # empty: the browser's (Accept-Language) or the switcher's cookie
    time_zone: str = ""  # empty: the site's TIME_ZONE


def _cache_key(user_id: int) -> str:
    return f"account-locale:{user_id}"


def forget_locale_preferences(user_id: int) -> None:
    cache.delete(_cache_key(user_id))


def locale_preferences(user) -> LocalePreferences:
    """The account's language and time zone (empty when not set): from the cache, else one
    query."""
    if not getattr(user, "is_authenticated", False):
        return LocalePreferences()
    key = _cache_key(user.pk)
    cached = cache.get(key)
    if isinstance(cached, tuple) and len(cached) == 2:
        return LocalePreferences(*cached)
    row = NotificationSettings.objects.filter(user_id=user.pk).values_list(
        "language", "time_zone").first() or ("", "")
    cache.set(key, tuple(row), CACHE_SECONDS)
    return LocalePreferences(*row)


def offered_languages() -> list[tuple[str, str]]:
    """(code, name in its own language) of the languages a person may choose."""
    return [(code, name) for code, name in settings.LANGUAGES]


def is_offered_language(code: str) -> bool:
    return code in {c for c, _ in settings.LANGUAGES}


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone this Python knows, sorted; the choices of the account page."""
    return tuple(sorted(zoneinfo.available_timezones()))


def is_time_zone(name: str) -> bool:
    return name in time_zone_names()


def zone(name: str):
    """The zone of that name, or the site's when empty or unknown (a zone removed from the
    system's database since it was chosen)."""
    if name and is_time_zone(name):
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return timezone.get_default_timezone()


def reader_language(prefs) -> str:
    """The language to write to a person outside a request (a mail): their own, else the
    site's. `prefs`: their NotificationSettings or LocalePreferences."""
    code = getattr(prefs, "language", "") or ""
    return code if is_offered_language(code) else settings.LANGUAGE_CODE


def reader_time_zone(prefs):
    return zone(getattr(prefs, "time_zone", "") or "")


def active_language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def warm_locale_preferences(sender, request, user, **kwargs) -> None:
    """On sign-in (user_logged_in): read the account's language and time zone into the cache,
    so that pages never spend a query on them."""
    forget_locale_preferences(user.pk)
    locale_preferences(user)
