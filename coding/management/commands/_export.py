from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from coding.exports import FORMATS, Table, csv_write, xlsx_write
from coding.models import Review
from coding.reviews.languages import codebook_languages, language_chosen


def add_language_argument(parser, what: str) -> None:
    """`--lang CODE`: a codebook language (settings.LANGUAGES) for the labels of an export."""
    parser.add_argument(
        "--lang", metavar="CODE",
        help=f"A language of the codebook ({', '.join(codebook_languages())}): {what}; "
        "the codebook's own language where a label has no translation.",
    )


def language_option(options) -> str | None:
    """The export's --lang as a codebook language (None without it); refused when unknown."""
    given = options.get("lang")
    if not given:
        return None
    language = language_chosen(given)
    if language is None:
        raise CommandError(_("--lang %(code)r is not one of %(known)s.") % {
            "code": given, "known": ", ".join(codebook_languages())})
    return language


class ExportCommand(BaseCommand):
    """A review's data as CSV on standard output, or in --output (CSV or, with --format xlsx,
    an .xlsx workbook) with a count on stderr. The table comes from the same chunked reader
    and the same writers as the gallery's exports (coding.exports)."""

    unit = "rows"
    # The function that builds the table: table(review=...) -> coding.exports.Table.
    table = None

    def add_arguments(self, parser):
        parser.add_argument("--review", required=True, help="Slug of the review.")
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument(
            "--format", choices=FORMATS, default="csv",
            help="csv (default) or xlsx: an Excel workbook of one sheet with the same "
            "columns, numbers as numbers (needs --output).",
        )

    def build(self, *, review, options) -> Table:
        return self.table(review=review)

    def handle(self, *args, review, output, format, **options):
        target = Review.objects.filter(slug=review).first()
        if target is None:
            raise CommandError(f"No review with slug {review!r}.")
        if format == "xlsx" and not output:
            raise CommandError(_("--format xlsx writes a binary file: give --output FILE "
                                 "(for example --output %(name)s.xlsx).") % {"name": review})
        table = self.build(review=target, options=options)
        if format == "xlsx":
            with open(output, "wb") as out:
                rows = xlsx_write(table, out)
        elif output:
            with open(output, "w", encoding="utf-8", newline="") as out:
                rows = csv_write(table, out, lineterminator="\n")
        else:
            csv_write(table, self.stdout, lineterminator="\n")
            return
        self.stderr.write(f"{rows} {self.unit} written to {output}.")
