from django.core.management.base import BaseCommand, CommandError

from coding.models import Review
from coding.reviews.importers import codebook_as_yaml


class Command(BaseCommand):
    help = (
        "Write a review's current codebook as YAML, in the form import_codebook reads "
        "(levels of measurement included)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--review", required=True, help="Slug of the review.")
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args, review, output=None, **options):
        target = Review.objects.filter(slug=review).first()
        if target is None:
            raise CommandError(f"No review with slug {review!r}.")
        codebook = target.current_codebook()
        if codebook is None:
            raise CommandError(f"Review {review!r} has no codebook.")
        text = codebook_as_yaml(codebook)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
