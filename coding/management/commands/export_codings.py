from django.core.management.base import BaseCommand, CommandError

from coding.codings_io import codings_export
from coding.models import Review


class Command(BaseCommand):
    help = (
        "Write every submitted coding of a review as CSV with the header "
        "case,coder,attribute,value (what import_codings reads)."
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
                rows = codings_export(review=target, out=out)
            self.stderr.write(f"{rows} values written to {output}.")
        else:
            codings_export(review=target, out=self.stdout)
