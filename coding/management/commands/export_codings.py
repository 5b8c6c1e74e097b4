from coding.codings.transfer import codings_table
from coding.management.commands._export import ExportCommand, add_language_argument, language_option


class Command(ExportCommand):
    help = (
        "Write every submitted coding of a review as CSV (or .xlsx) with the header "
        "case,coder,attribute,value (what import_codings reads)."
    )
    unit = "values"
    table = staticmethod(codings_table)

    def add_arguments(self, parser):
        super().add_arguments(parser)
        add_language_argument(parser, "a last column value_label: a choice's option labels in "
                              "that language (the value column keeps the keys)")

    def build(self, *, review, options):
        return codings_table(review=review, language=language_option(options))
