"""The import commands' --lead option: which account leads a review an import creates (or
becomes a lead of an existing one), and what the command says about it."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def add_lead_argument(parser) -> None:
    parser.add_argument(
        "--lead", metavar="USERNAME",
        help="The account that leads the review: made its lead when the import creates it, "
        "and given the lead role (if missing) when the review exists.",
    )


def lead_account(username: str | None):
    """The account named by --lead (None without the option); an unknown or deactivated one
    stops the command before anything is imported."""
    if username is None:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(
            f"Nothing imported. --lead {username}: no account has that username. Create it "
            "first (python manage.py createsuperuser, or accept an invitation), or check the "
            "spelling."
        )
    if not user.is_active:
        raise CommandError(f"Nothing imported. --lead {username}: the account is deactivated.")
    return user


def lead_report(*, command, result, slug: str, path: str, lead) -> None:
    """Say who leads a review the import created, and how to add a lead to one nobody leads;
    say when --lead added the role to an existing review."""
    if result.review_created and lead is not None:
        command.stdout.write(f"Created review {slug!r}, unpublished, led by {lead.username}.")
    elif result.review_created:
        command.stdout.write(command.style.WARNING(
            f"Created review {slug!r}, unpublished, and no one leads it: no one can open its "
            "pages, import into it from the browser or add members until it has a lead. Make "
            f"an account its lead by running the command again with --lead USERNAME (e.g. "
            f"{command.name_example} {path} --review {slug} --lead USERNAME), or in the admin "
            "(/admin/, the review's page, Memberships, role Review lead)."
        ))
    elif result.lead_added:
        command.stdout.write(f"{lead.username} now leads review {slug!r}.")
