from django.core.management.base import BaseCommand, CommandError

from coding.codings.transfer import codings_import
from coding.management.commands._progress import TerminalProgress
from coding.reviews.importers import ImportFailed


class Command(BaseCommand):
    help = (
        "Load submitted codings from CSV or an Excel workbook (.xlsx) with the header "
        "case,coder,attribute,value "
        "(one row per value; multiple choice: option keys separated by ';'). All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--review", required=True, help="Slug of the review.")

    def handle(self, *args, path, review, **options):
        progress = TerminalProgress(self)
        try:
            result = codings_import(path=path, review_slug=review, progress=progress,
                                    enrol=True)
        except ImportFailed as error:
            raise CommandError(f"Nothing imported. {error}") from None
        finally:
            progress.close()
        self.stdout.write(
            f"Codings for {result.review.slug} ({result.rows} rows): {result.created} created, "
            f"{result.updated} updated, {result.unchanged} unchanged."
        )
        if result.new_accounts:
            self.stdout.write(
                f"New coder accounts (no usable password; set one in the admin): "
                f"{', '.join(result.new_accounts)}"
            )
        if result.new_memberships:
            self.stdout.write(f"Coder role given to: {', '.join(result.new_memberships)}")
        self.stdout.write(
            f"{result.assignments} assignment(s) made; {result.compared_cases} case(s) compared; "
            f"{result.open_disagreements} open disagreement(s) in the review."
        )
