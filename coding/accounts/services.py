"""Changing a person's own language and time zone."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coding.accounts.selectors import (
    forget_locale_preferences,
    is_offered_language,
    is_time_zone,
)
from coding.models import NotificationSettings


def account_locale_set(*, user, language: str | None = None,
                       time_zone: str | None = None) -> NotificationSettings:
    """Set the account's language and/or time zone (None: unchanged; "": not set, the
    browser's language or the site's time zone). ValidationError names what is wrong."""
    errors = {}
    if language is not None and language and not is_offered_language(language):
        errors["language"] = _("This language is not offered.")
    if time_zone is not None and time_zone and not is_time_zone(time_zone):
        errors["time_zone"] = _("Not a known time zone: %(zone)s.") % {"zone": time_zone}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        prefs, _created = NotificationSettings.objects.select_for_update().get_or_create(
            user=user)
        changed = []
        if language is not None and prefs.language != language:
            prefs.language = language
            changed.append("language")
        if time_zone is not None and prefs.time_zone != time_zone:
            prefs.time_zone = time_zone
            changed.append("time_zone")
        if changed:
            prefs.save(update_fields=changed)
    transaction.on_commit(lambda: forget_locale_preferences(user.pk))
    forget_locale_preferences(user.pk)
    return prefs
