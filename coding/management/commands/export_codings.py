from coding.codings.transfer import codings_export
from coding.management.commands._export import ExportCommand


class Command(ExportCommand):
    help = (
        "Write every submitted coding of a review as CSV with the header "
        "case,coder,attribute,value (what import_codings reads)."
    )
    unit = "values"
    writer = staticmethod(codings_export)
