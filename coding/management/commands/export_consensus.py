from coding.codings.transfer import consensus_table
from coding.management.commands._export import ExportCommand, add_language_argument, language_option


class Command(ExportCommand):
    help = (
        "Write a review's consensus as CSV (or .xlsx): one row per case, one column per attribute "
        "(multiple choice: option keys joined by ';'; empty while undecided). With "
        "--evidence, each attribute's column is followed by its evidence and where it is."
    )
    unit = "cases"
    table = staticmethod(consensus_table)

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--evidence", action="store_true",
            help="After each attribute, the columns <key>:evidence, <key>:evidence_document, "
            "<key>:evidence_page, <key>:evidence_start and <key>:evidence_end.",
        )
        add_language_argument(parser, "after each choice attribute's column, <key>:label: the "
                              "chosen options' labels in that language")

    def build(self, *, review, options):
        return consensus_table(review=review, evidence=options["evidence"],
                               language=language_option(options))
