from django.core.management.base import BaseCommand, CommandError

from coding.models import Review
from coding.reviews.codebooks import codebook_file_data, codebook_yaml
from coding.reviews.qdc import codebook_to_qdc


class Command(BaseCommand):
    help = (
        "Write a review's current codebook as YAML, in the form import_codebook reads "
        "(levels of measurement included), or with --format qdc as a REFI-QDA codebook "
        "(.qdc) for NVivo, ATLAS.ti, MAXQDA, Taguette or QualCoder."
    )

    def add_arguments(self, parser):
        parser.add_argument("--review", required=True, help="Slug of the review.")
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument(
            "--format", choices=["yaml", "qdc"], default="yaml",
            help="yaml (default) or qdc (REFI-QDA codebook exchange; import_codebook reads "
            "both).",
        )

    def handle(self, *args, review, output=None, format="yaml", **options):
        target = Review.objects.filter(slug=review).first()
        if target is None:
            raise CommandError(f"No review with slug {review!r}.")
        codebook = target.current_codebook()
        if codebook is None:
            raise CommandError(f"Review {review!r} has no codebook.")
        data = codebook_file_data(codebook)
        if format == "qdc":
            content = codebook_to_qdc(data)
        else:
            content = codebook_yaml(data).encode()
        if output:
            with open(output, "wb") as handle:
                handle.write(content)
        else:
            self.stdout.write(content.decode(), ending="")
