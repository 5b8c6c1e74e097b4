from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from coding.management.commands._export import ExportCommand
from coding.screening.selectors import decisions_table


class Command(ExportCommand):
    help = (
        "Write every screening decision of a review as CSV (or .xlsx) with the header "
        "record,screener,stage,decision,reason (what import_screening reads). With --as "
        "USERNAME, only the decisions that account may see (blind: nothing of the other "
        "screener's decision on a record it is still blind on)."
    )
    unit = "decisions"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--as", dest="viewer", metavar="USERNAME",
                            help="Write what this account may see.")

    def build(self, *, review, options):
        viewer = None
        if options.get("viewer"):
            viewer = get_user_model().objects.filter(username=options["viewer"]).first()
            if viewer is None:
                raise CommandError(f"No account with username {options['viewer']!r}.")
        return decisions_table(review=review, viewer=viewer)
