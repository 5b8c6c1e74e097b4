from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coding.assignments.services import cases_assign
from coding.models import Membership, Review, Role

# Demo accounts exist only on development machines (DEBUG on); the password is
# printed so a new user can sign in straight away.
DEMO_PASSWORD = "coproduce-demo"
DEMO_CASES = 12
DEMO_USERS = [
    ("lead", "Lena", "Lead", [Role.LEAD]),
    ("coder_a", "Aisha", "Coder", [Role.CODER]),
    ("coder_b", "Ben", "Coder", [Role.CODER]),
    ("adjudicator", "Ada", "Adjudicator", [Role.ADJUDICATOR]),
]


class Command(BaseCommand):
    help = "Create demo accounts (lead, two coders, an adjudicator) in a review. DEBUG only."

    def add_arguments(self, parser):
        parser.add_argument("--review", default="coproduction")

    def handle(self, *args, review, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are only created when DEBUG is on.")
        target = Review.objects.filter(slug=review).first()
        if target is None:
            raise CommandError(f"No review {review!r}; run load_coproduction first.")
        User = get_user_model()
        with transaction.atomic():
            for username, first, last, roles in DEMO_USERS:
                user, created = User.objects.get_or_create(
                    username=username, defaults={"first_name": first, "last_name": last}
                )
                if not user.email:
                    # So that "Forgot your password?" mails (printed by runserver) work.
                    user.email = f"{username}@example.org"
                    user.save(update_fields=["email"])
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.is_staff = Role.LEAD in roles
                    user.save()
                for role in roles:
                    Membership.objects.get_or_create(review=target, user=user, role=role)
            lead = User.objects.get(username="lead")
            # Both demo coders code the first DEMO_CASES cases, so a new user finds work in
            # "My cases". cases_assign leaves cases that have coders alone: idempotent.
            coders = list(
                User.objects.filter(username__in=["coder_a", "coder_b"]).order_by("username")
            )
            first = target.cases.order_by("sort_key", "number")[:DEMO_CASES]
            created = cases_assign(review=target, coders=coders, assigned_by=lead, cases=first)
        self.stdout.write(f"Demo accounts (password for each: {DEMO_PASSWORD}):")
        for username, _, _, roles in DEMO_USERS:
            self.stdout.write(
                f"  {username:<12} {username + '@example.org':<26} "
                f"{', '.join(r.label for r in roles)}"
            )
        self.stdout.write("Mails (invitations, password reset) are printed by the server here.")
        if created:
            self.stdout.write(
                f"Assigned coder_a and coder_b to the first {DEMO_CASES} cases "
                f"({len(created)} assignments)."
            )
