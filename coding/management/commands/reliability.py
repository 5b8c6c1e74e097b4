import json

from django.core.management.base import BaseCommand, CommandError

from coding.models import Review
from coding.reliability.selectors import FIELDS, N_BOOT, SEED, reliability_data, reliability_rows


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


class Command(BaseCommand):
    help = (
        "Inter-coder reliability of a review's submitted codings (current codebook): one row "
        "per attribute and, for multiple choice, per option. Text attributes are left out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--review", required=True, help="Slug of the review.")
        parser.add_argument("--format", choices=["json", "table"], default="table")
        parser.add_argument(
            "--bootstrap", type=int, default=N_BOOT,
            help=f"Resamples for alpha's 95%% interval (default {N_BOOT}; 0 = none).",
        )
        parser.add_argument("--seed", type=int, default=SEED, help="Bootstrap seed.")

    def handle(self, *args, review, format, bootstrap, seed, **options):
        target = Review.objects.filter(slug=review).first()
        if target is None:
            raise CommandError(f"No review with slug {review!r}.")
        rows = reliability_rows(
            data=reliability_data(review=target), n_boot=bootstrap, seed=seed
        )
        if format == "json":
            self.stdout.write(json.dumps(rows, indent=2))
            return
        header = ["attribute", "option", *FIELDS[2:]]
        table = [header] + [
            [_cell(row.get(key)) if key in row else "" for key in header] for row in rows
        ]
        widths = [max(len(line[i]) for line in table) for i in range(len(header))]
        for n, line in enumerate(table):
            self.stdout.write("  ".join(
                cell.ljust(width) if i < 2 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(line, widths, strict=True))
            ).rstrip())
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
