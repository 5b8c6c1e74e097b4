from coding.codings.transfer import consensus_export
from coding.management.commands._export import ExportCommand


class Command(ExportCommand):
    help = (
        "Write a review's consensus as CSV: one row per case, one column per attribute "
        "(multiple choice: option keys joined by ';'; empty while undecided). With "
        "--evidence, each attribute's column is followed by its evidence and where it is."
    )
    unit = "cases"
    writer = staticmethod(consensus_export)

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--evidence", action="store_true",
            help="After each attribute, the columns <key>:evidence, <key>:evidence_document, "
            "<key>:evidence_page, <key>:evidence_start and <key>:evidence_end.",
        )

    def write(self, *, review, out, options) -> int:
        return consensus_export(review=review, out=out, evidence=options["evidence"])
