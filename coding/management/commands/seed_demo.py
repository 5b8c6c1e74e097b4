from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coding.assignments.services import cases_assign
from coding.models import Membership, Record, Review, Role
from coding.screening.policies import review_stages
from coding.screening.services import screening_assign

# Demo accounts exist only on development machines (DEBUG on); the password is
# printed so a new user can sign in straight away.
DEMO_PASSWORD = "coproduce-demo"
DEMO_CASES = 12
DEFAULT_REVIEWS = ["coproduction", "practice"]
DEMO_USERS = [
    ("lead", "Lena", "Lead", [Role.LEAD]),
    ("coder_a", "Aisha", "Coder", [Role.CODER]),
    ("coder_b", "Ben", "Coder", [Role.CODER]),
    ("adjudicator", "Ada", "Adjudicator", [Role.ADJUDICATOR]),
]


class Command(BaseCommand):
    help = (
        "Create demo accounts (lead, two coders, an adjudicator) in the bundled and the "
        "practice review, or in the reviews given with --review. DEBUG only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--review", action="append", dest="reviews", metavar="SLUG",
            help="A review to add the demo accounts to (repeatable). Default: coproduction "
            "and practice, those that exist.",
        )

    def handle(self, *args, reviews, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are only created when DEBUG is on.")
        if reviews:
            targets = []
            for slug in reviews:
                target = Review.objects.filter(slug=slug).first()
                if target is None:
                    raise CommandError(f"No review {slug!r}.")
                targets.append(target)
        else:
            targets = list(Review.objects.filter(slug__in=DEFAULT_REVIEWS).order_by("slug"))
            if not targets:
                raise CommandError("No review to add demo accounts to; run load_coproduction "
                                   "or load_practice first.")
        created = []
        for target in targets:
            created += self._seed(target)
        self.stdout.write(f"Demo accounts (password for each: {DEMO_PASSWORD}) in "
                          f"{', '.join(t.slug for t in targets)}:")
        for username, _, _, roles in DEMO_USERS:
            self.stdout.write(
                f"  {username:<12} {username + '@example.org':<26} "
                f"{', '.join(str(r.label) for r in roles)}"
            )
        self.stdout.write("Mails (invitations, password reset) are printed by the server here.")
        if created:
            self.stdout.write(
                f"Assigned coder_a and coder_b to the first {DEMO_CASES} cases of each review "
                f"({len(created)} assignments)."
            )

    def _seed(self, target: Review) -> list:
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
            # And the candidate records (the practice review's), at the first stage screened,
            # so a new user can try screening too. screening_assign leaves records that have
            # their two screeners alone: idempotent.
            if Record.objects.filter(review=target).exists():
                screening_assign(review=target, user=lead, stage=review_stages(target)[0],
                                 screeners=coders)
        return created
