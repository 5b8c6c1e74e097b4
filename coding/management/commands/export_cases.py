from coding.management.commands._export import ExportCommand
from coding.reviews.importers import cases_table


class Command(ExportCommand):
    help = (
        "Write a review's cases as CSV (or .xlsx) in the shape import_cases reads "
        "(number,title,country,year,service_area,summary,source)."
    )
    unit = "cases"
    table = staticmethod(cases_table)
