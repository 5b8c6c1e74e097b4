from django.core.management.base import BaseCommand, CommandError

from coding.codings_io import consensus_export
from coding.models import Review


class Command(BaseCommand):
    help = (
        "Write a review's consensus as CSV: one row per case, one column per attribute "
        "(multiple choice: option keys joined by ';'; empty while undecided)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--review", required=True, help="Slug of the review.")
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args, review, output, **options):
        target = Review.objects.filter(slug=review).first()
        if target is None:
            raise CommandError(f"No review with slug {review!r}.")
        if output:
            with open(output, "w", encoding="utf-8", newline="") as out:
                rows = consensus_export(review=target, out=out)
            self.stderr.write(f"{rows} cases written to {output}.")
        else:
            consensus_export(review=target, out=self.stdout)
