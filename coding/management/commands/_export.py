from django.core.management.base import BaseCommand, CommandError

from coding.models import Review


class ExportCommand(BaseCommand):
    """A review's data as CSV on standard output, or in --output with a count on stderr."""

    unit = "rows"
    # The function that writes the CSV: writer(review=..., out=...) -> rows written.
    writer = None

    def add_arguments(self, parser):
        parser.add_argument("--review", required=True, help="Slug of the review.")
        parser.add_argument("--output", help="File to write (default: standard output).")

    def write(self, *, review, out, options) -> int:
        return self.writer(review=review, out=out)

    def handle(self, *args, review, output, **options):
        target = Review.objects.filter(slug=review).first()
        if target is None:
            raise CommandError(f"No review with slug {review!r}.")
        if output:
            with open(output, "w", encoding="utf-8", newline="") as out:
                rows = self.write(review=target, out=out, options=options)
            self.stderr.write(f"{rows} {self.unit} written to {output}.")
        else:
            self.write(review=target, out=self.stdout, options=options)
