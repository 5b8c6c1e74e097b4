from coding.codings.transfer import consensus_export
from coding.management.commands._export import ExportCommand


class Command(ExportCommand):
    help = (
        "Write a review's consensus as CSV: one row per case, one column per attribute "
        "(multiple choice: option keys joined by ';'; empty while undecided)."
    )
    unit = "cases"
    writer = staticmethod(consensus_export)
