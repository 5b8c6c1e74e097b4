import json

from django.core.management.base import BaseCommand, CommandError

from coding.models import Review
from coding.reliability.selectors import N_BOOT, SEED, reliability_data, reliability_rows


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _interval(row: dict, prefix: str) -> str:
    low, high = row.get(f"{prefix}_ci_low"), row.get(f"{prefix}_ci_high")
    # Two decimals: at 1,000 resamples the ends move by about 0.01 with the seed.
    return "-" if low is None else f"{low:.2f}..{high:.2f}"


# The table format's columns: (header, how to get the cell); --format json has every key.
COLUMNS = [
    ("attribute", lambda r: r["attribute"]),
    ("option", lambda r: r["option"] or ""),
    ("level", lambda r: r["level"]),
    ("units", lambda r: _cell(r["units"])),
    ("coders", lambda r: _cell(r["coders"])),
    ("agreement", lambda r: _cell(r["percent_agreement"])),
    ("cohen_kappa", lambda r: _cell(r["cohen_kappa"])),
    ("kappa_ci", lambda r: _interval(r, "cohen_kappa")),
    ("fleiss_kappa", lambda r: _cell(r["fleiss_kappa"])),
    ("conger_kappa", lambda r: _cell(r["conger_kappa"])),
    ("alpha", lambda r: _cell(r["krippendorff_alpha"])),
    ("alpha_ci", lambda r: _interval(r, "alpha")),
    ("ac1", lambda r: _cell(r["gwet_ac1"])),
    ("ac1_ci", lambda r: _interval(r, "ac1")),
    ("ac2", lambda r: _cell(r["gwet_ac2"])),
    ("masi_alpha", lambda r: _cell(r["masi_alpha"]) if "masi_alpha" in r else ""),
    ("pabak", lambda r: _cell(r["pabak"]) if "pabak" in r else ""),
    ("prevalence", lambda r: _cell(r["prevalence_index"]) if "pabak" in r else ""),
    ("bias", lambda r: _cell(r["bias_index"]) if "pabak" in r else ""),
]


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
            help=f"Resamples for the 95%% intervals of alpha, kappa and AC1 (default {N_BOOT}; "
            "0 = none).",
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
        header = [name for name, _ in COLUMNS]
        table = [header] + [[cell(row) for _, cell in COLUMNS] for row in rows]
        widths = [max(len(line[i]) for line in table) for i in range(len(header))]
        for n, line in enumerate(table):
            self.stdout.write("  ".join(
                cell.ljust(width) if i < 3 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(line, widths, strict=True))
            ).rstrip())
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        notes = [(row, w) for row in rows for w in row["warnings"]]
        if notes:
            self.stdout.write("\nWarnings:")
            for row, warning in notes:
                where = row["attribute"] + (f" / {row['option']}" if row["option"] else "")
                self.stdout.write(f"  {where}: {warning}")
