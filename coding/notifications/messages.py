"""What notifications say: the one registry of message keys and their sentences.

A notification stores a key of MESSAGES and its parameters (coding.models.Notification
.message_key, .params), never a sentence: it is rendered in the reader's language when it is
shown (the page, the API) or mailed (the digest, in the recipient's language). Its `text`
column keeps the English rendering, the fallback for a key this code no longer knows and for
rows written before keys existed.

A message is a sentence (gettext) or, with `count`, a sentence with plural forms (ngettext)
chosen by the parameter of that name. Parameters are plain JSON values (a review's title, a
case number, a count); `roles` is a list of Role keys, shown as the roles' names in the
reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext, gettext_noop, ngettext


@dataclass(frozen=True)
class Message:
    singular: str
    plural: str | None = None
    count: str | None = None  # the parameter choosing the plural form


# gettext_noop marks the sentences for makemessages (an alias would not be found); they are
# translated when rendered.
# The plural pairs are marked with `ngettext` itself in _mark_plurals below.
MESSAGES: dict[str, Message] = {
    "case_assigned": Message(gettext_noop("Case %(case)s assigned to you in “%(review)s”")),
    "cases_assigned": Message(
        "%(n)s case assigned to you in “%(review)s”",
        "%(n)s cases assigned to you in “%(review)s”", count="n"),
    "adjudication_needed": Message(
        gettext_noop("Case %(case)s of “%(review)s” needs adjudication")),
    "adjudications_needed": Message(
        "%(n)s case of “%(review)s” needs adjudication",
        "%(n)s cases of “%(review)s” need adjudication", count="n"),
    "invitation_accepted": Message(
        gettext_noop("%(name)s accepted your invitation to “%(review)s” (%(roles)s)")),
    "discussion_waiting": Message(
        gettext_noop("Case %(case)s of “%(review)s”: a disagreement waits for your discussion")),
    "discussions_waiting": Message(
        "%(n)s case of “%(review)s”: disagreements wait for your discussion",
        "%(n)s cases of “%(review)s”: disagreements wait for your discussion", count="n"),
    "round_complete": Message(
        gettext_noop("Calibration round “%(round)s” of “%(review)s” is complete")),
    "records_assigned": Message(
        "%(n)s record assigned to you for screening in “%(review)s”",
        "%(n)s records assigned to you for screening in “%(review)s”", count="n"),
    "screening_discussion_waiting": Message(
        gettext_noop("A screening conflict in “%(review)s” waits for your discussion")),
    "screening_adjudication_needed": Message(
        gettext_noop("A screening conflict in “%(review)s” needs an adjudicator")),
}


def _mark_plurals():  # pragma: no cover - never called: it shows makemessages the plurals
    ngettext("%(n)s case assigned to you in “%(review)s”",
             "%(n)s cases assigned to you in “%(review)s”", 1)
    ngettext("%(n)s case of “%(review)s” needs adjudication",
             "%(n)s cases of “%(review)s” need adjudication", 1)
    ngettext("%(n)s case of “%(review)s”: disagreements wait for your discussion",
             "%(n)s cases of “%(review)s”: disagreements wait for your discussion", 1)
    ngettext("%(n)s record assigned to you for screening in “%(review)s”",
             "%(n)s records assigned to you for screening in “%(review)s”", 1)


class UnknownMessage(KeyError):
    pass


def _display_params(params: dict) -> dict:
    shown = dict(params)
    roles = shown.get("roles")
    if isinstance(roles, list):
        from coding.models import Role

        shown["roles"] = ", ".join(
            str(Role(r).label).lower() for r in roles if r in Role.values
        )
    return shown


def render_message(key: str, params: dict) -> str:
    """The sentence of `key` with `params`, in the active language. UnknownMessage for a key
    not in MESSAGES or parameters that do not fit it."""
    message = MESSAGES.get(key)
    if message is None:
        raise UnknownMessage(key)
    shown = _display_params(params or {})
    try:
        if message.plural is not None:
            return ngettext(message.singular, message.plural, int(shown[message.count])) % shown
        return gettext(message.singular) % shown
    except (KeyError, TypeError, ValueError) as error:
        raise UnknownMessage(key) from error


def render_english(key: str, params: dict) -> str:
    """The English sentence, stored as the notification's fallback text."""
    with translation.override("en"):
        return render_message(key, params)


def render_notification(notification) -> str:
    """What a notification says in the active language: its message, else its stored text."""
    if notification.message_key:
        try:
            return render_message(notification.message_key, notification.params)
        except UnknownMessage:
            pass
    return notification.text
