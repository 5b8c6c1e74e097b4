from coding.codings.transfer import codings_table
from coding.management.commands._export import ExportCommand


class Command(ExportCommand):
    help = (
        "Write every submitted coding of a review as CSV (or .xlsx) with the header "
        "case,coder,attribute,value (what import_codings reads)."
    )
    unit = "values"
    table = staticmethod(codings_table)
