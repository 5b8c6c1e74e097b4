from django.core.management.base import BaseCommand, CommandError

from coding.models import Review
from coding.reliability.package import write_package
from coding.reliability.selectors import reliability_snapshot_state


class Command(BaseCommand):
    help = (
        "Write a review's replication package (a zip holding a Frictionless Data Package: "
        "codebook, cases, codings, coding status, consensus, decisions with rationales, the "
        "reliability figures of the latest snapshot, reproduce.py and reproduce.R)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--review", required=True, help="Slug of the review.")
        parser.add_argument("--output", required=True, help="The .zip file to write.")

    def handle(self, *args, review, output, **options):
        target = Review.objects.filter(slug=review).first()
        if target is None:
            raise CommandError(f"No review with slug {review!r}.")
        if reliability_snapshot_state(review=target, report=False).status != "up_to_date":
            self.stderr.write(
                "The reliability figures of the current codings are not computed yet: "
                "reliability.csv is empty or of older codings, and the scripts may not match "
                "it (the background worker computes them; run db_worker, then export again).")
        with open(output, "wb") as handle:
            counts = write_package(review=target, target=handle)
        described = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.stderr.write(f"Replication package written to {output} ({described} rows).")
