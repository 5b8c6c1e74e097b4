"""Writing notifications and marking them read; the daily e-mail digest.

`notify` writes in the caller's transaction, so work that is rolled back (a failed import, a
dry run) leaves no notification behind. Notifications are a person's own inbox, not review
data: writing and reading them is not audited (the actions they announce are).
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from coding.accounts.selectors import reader_language, reader_time_zone
from coding.adjudication.policies import cases_coder_ids, deciders_of_cases
from coding.codings.policies import cases_with_complete_coding
from coding.members.policies import may_manage_members
from coding.models import (
    Case,
    Notification,
    NotificationKind,
    NotificationSettings,
    Review,
)
from coding.notifications.messages import UnknownMessage, render_english

TEXT_MAX = Notification._meta.get_field("text").max_length
URL_MAX = Notification._meta.get_field("url").max_length


def _user_ids(users: Iterable) -> list[int]:
    ids = []
    for user in users:
        pk = user if isinstance(user, int) else getattr(user, "pk", None)
        if pk is not None and pk not in ids:
            ids.append(pk)
    return ids


def notify(
    *, users: Iterable, review: Review | None, kind: str, message: str, params: dict,
    url: str,
) -> list[Notification]:
    """One notification for each of `users` (users or user ids; each once), in one INSERT.

    `kind` is a NotificationKind, `url` a path on this site (the page to act on), `message` a
    key of coding.notifications.messages.MESSAGES and `params` its parameters (JSON values):
    the one line the recipient reads in the list and the digest, in their language. The
    caller decides who may be told what (coding.notifications.policies): the message must not
    reveal another coder's work on a case a recipient is blind on.
    """
    if kind not in NotificationKind.values:
        raise ValidationError(f"Unknown notification kind {kind!r}.")
    if not url.startswith("/") or url.startswith("//"):
        raise ValidationError("A notification links to a path on this site.")
    params = dict(params or {})
    try:
        text = render_english(message, params)
        json.dumps(params)
    except (UnknownMessage, TypeError, ValueError):
        raise ValidationError(f"Unknown notification message {message!r} or its parameters "
                              f"{sorted(params)}.") from None
    text = " ".join(text.split())
    if len(text) > TEXT_MAX:
        text = text[: TEXT_MAX - 1] + "…"
    if len(url) > URL_MAX:
        raise ValidationError("The notification's link is too long.")
    now = timezone.now()
    rows = [
        Notification(user_id=pk, review=review, kind=kind, message_key=message, params=params,
                     text=text, url=url, created_at=now)
        for pk in _user_ids(users)
    ]
    return Notification.objects.bulk_create(rows)


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read (again: nothing changes)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_read(*, user, notifications: QuerySet[Notification] | None = None) -> int:
    """Mark the user's unread notifications read (all, or those of `notifications`);
    returns how many changed."""
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if notifications is not None:
        queryset = queryset.filter(pk__in=notifications.values("pk"))
    return queryset.update(read_at=timezone.now())


def notification_settings_set(*, user, daily_digest: bool) -> NotificationSettings:
    """Turn the daily digest on or off. The first digest lists every unread notification."""
    with transaction.atomic():
        prefs, _ = NotificationSettings.objects.select_for_update().get_or_create(user=user)
        if prefs.daily_digest != daily_digest:
            prefs.daily_digest = daily_digest
            prefs.save(update_fields=["daily_digest"])
    return prefs


# --- daily digest ---------------------------------------------------------------------

DIGEST_LIMIT = 50  # notifications listed in one mail; the rest are on the page


@dataclass
class DigestRun:
    sent: int = 0
    skipped_today: int = 0
    nothing_new: int = 0
    failed: int = 0


def _absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def notification_digests_send(*, base_url: str, now=None) -> DigestRun:
    """Send each person who asked for it a mail of their unread notifications that arrived
    since their last digest. At most one digest per person per calendar day (UTC): running
    it again the same day sends nothing, so a cron line may run it more than once."""
    now = now or timezone.now()
    today = now.date()
    run = DigestRun()
    opted = NotificationSettings.objects.filter(
        daily_digest=True, user__is_active=True
    ).exclude(user__email="").select_related("user")
    for prefs in opted.iterator(chunk_size=500):
        if prefs.last_digest_at is not None and prefs.last_digest_at.date() >= today:
            run.skipped_today += 1
            continue
        unread = Notification.objects.unread().filter(user=prefs.user, created_at__lte=now)
        if prefs.last_digest_at is not None:
            unread = unread.filter(created_at__gt=prefs.last_digest_at)
        total = unread.count()
        if not total:
            run.nothing_new += 1
            continue
        # In the recipient's language and time zone (their settings, else the site's).
        with translation.override(reader_language(prefs)), \
                timezone.override(reader_time_zone(prefs)):
            items = [
                {"text": n.message, "link": _absolute(base_url, n.url),
                 "created_at": n.created_at}
                for n in unread.order_by("-created_at", "-id")[:DIGEST_LIMIT]
            ]
            context = {
                "user": prefs.user, "items": items, "total": total,
                "more": total - len(items), "list_url": _absolute(base_url, "/notifications/"),
            }
            subject = " ".join(render_to_string(
                "coding/email/digest_subject.txt", context
            ).split())
            body = render_to_string("coding/email/digest_body.txt", context)
        with transaction.atomic():
            locked = NotificationSettings.objects.select_for_update().get(pk=prefs.pk)
            if locked.last_digest_at is not None and locked.last_digest_at.date() >= today:
                run.skipped_today += 1  # another run sent it meanwhile
                continue
            try:
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [prefs.user.email])
            except OSError:
                run.failed += 1  # tried again on the next run; the others still go out
                continue
            locked.last_digest_at = now
            locked.save(update_fields=["last_digest_at"])
        run.sent += 1
    return run


# --- what the other packages announce -------------------------------------------------
# Each helper decides its recipients and its words from what they may know: the texts name
# the review, the recipient's own work or a count of cases, nothing about anyone's coding.


def _cases_message(numbers: list[str], one: str, many: str, review: Review
                   ) -> tuple[str, dict]:
    """The message key and parameters for one case (`one`, naming it) or several (`many`,
    counting them)."""
    if len(numbers) == 1:
        return one, {"case": numbers[0], "review": review.title}
    return many, {"n": len(numbers), "review": review.title}


def notify_cases_assigned(*, review: Review, numbers_by_coder: dict[int, list[str]],
                          assigned_by=None) -> list[Notification]:
    """One notification per coder for one assignment action (however many cases): "Case 12
    assigned to you in R" or "5 cases assigned to you in R", linking to their queue. Someone
    who assigns themselves is not told."""
    url = reverse("coding:queue", args=[review.slug])
    actor = getattr(assigned_by, "pk", None)
    created = []
    for coder_id, numbers in numbers_by_coder.items():
        if not numbers or coder_id == actor:
            continue
        message, params = _cases_message(sorted(set(numbers)), "case_assigned",
                                         "cases_assigned", review)
        created += notify(users=[coder_id], review=review, kind=NotificationKind.CASE_ASSIGNED,
                          message=message, params=params, url=url)
    return created


def notify_adjudication_needed(*, review: Review, case_ids) -> list[Notification]:
    """Tell each adjudicator who may decide them (never a coder of the case) that cases
    have new disagreements: one notification per adjudicator per detection run, linking to
    the case's adjudication page (one case) or the queue."""
    deciders = deciders_of_cases(review, case_ids)
    if not deciders:
        return []
    numbers = dict(Case.objects.filter(pk__in=set().union(*deciders.values())).values_list(
        "pk", "number"))
    created = []
    for user_id, cases in deciders.items():
        mine = sorted(numbers[c] for c in cases)
        if len(mine) == 1:
            url = reverse("coding:adjudication_case", args=[review.slug, mine[0]])
        else:
            url = reverse("coding:adjudication_queue", args=[review.slug])
        message, params = _cases_message(mine, "adjudication_needed", "adjudications_needed",
                                         review)
        created += notify(users=[user_id], review=review,
                          kind=NotificationKind.ADJUDICATION_NEEDED, message=message,
                          params=params, url=url)
    return created


def notify_invitation_accepted(*, invitation, user) -> list[Notification]:
    """Tell the lead who sent the invitation that it was accepted (while they still manage
    the review's members: the link is the members page)."""
    inviter = invitation.invited_by
    if inviter is None or inviter.pk == user.pk or not may_manage_members(
        inviter, invitation.review
    ):
        return []
    name = user.get_full_name() or user.username
    return notify(
        users=[inviter], review=invitation.review, kind=NotificationKind.INVITATION_ACCEPTED,
        message="invitation_accepted",
        params={"name": name, "review": invitation.review.title,
                "roles": [str(r) for r in invitation.roles]},
        url=reverse("coding:members", args=[invitation.review.slug]),
    )


def notify_discussion_waiting(*, review: Review, coders_by_case: dict[int, Iterable]
                              ) -> list[Notification]:
    """For discussion mode: tell each case's coders (`coders_by_case`: case id -> users or
    ids, each one of that case's coders) that disagreements wait for their discussion, one
    notification per coder per call: "Case 12 of R: a disagreement waits for your discussion",
    linking to the case's discussion, or "5 cases of R: disagreements wait for your
    discussion", linking to their list. Refused while a case is not completely coded: before
    both coders submitted, saying so would tell one coder about the other's work."""
    if not coders_by_case:
        return []
    cases = Case.objects.filter(review=review, pk__in=list(coders_by_case))
    numbers = dict(cases.values_list("pk", "number"))
    complete = set(cases_with_complete_coding(cases).values_list("pk", flat=True))
    for case_id in coders_by_case:
        if case_id not in complete:
            raise ValidationError(f"Case {numbers.get(case_id, case_id)} is not coded by both "
                                  "coders yet: nothing to discuss.")
    coders = cases_coder_ids(list(coders_by_case))
    mine: dict[int, list[str]] = {}
    for case_id, users in coders_by_case.items():
        for user_id in _user_ids(users):
            if user_id not in coders.get(case_id, ()):
                raise ValidationError("Only the case's coders discuss its disagreements.")
            mine.setdefault(user_id, []).append(numbers[case_id])
    created = []
    for user_id, numbers_of_theirs in mine.items():
        if len(numbers_of_theirs) == 1:
            url = reverse("coding:discussion_case", args=[review.slug, numbers_of_theirs[0]])
        else:
            url = reverse("coding:discussion_queue", args=[review.slug])
        message, params = _cases_message(numbers_of_theirs, "discussion_waiting",
                                         "discussions_waiting", review)
        created += notify(users=[user_id], review=review,
                          kind=NotificationKind.DISCUSSION_WAITING, message=message,
                          params=params, url=url)
    return created


def notify_round_complete(*, review: Review, users, title: str, url: str
                          ) -> list[Notification]:
    """For calibration rounds: tell `users` (typically the round's lead and coders) that the
    round `title` is complete, everyone having submitted, linking to its page."""
    return notify(
        users=users, review=review, kind=NotificationKind.ROUND_COMPLETE,
        message="round_complete", params={"round": title, "review": review.title}, url=url,
    )
