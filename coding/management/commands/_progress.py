import sys

from tqdm import tqdm

STAGES = {"reading": "Checking rows", "writing": "Writing", "comparing": "Comparing"}


class TerminalProgress:
    """Draws the importers' progress(stage, done, total) as a bar per stage on the command's
    standard error, when that is a terminal (nothing in logs, pipes or cron mail)."""

    def __init__(self, command):
        self.stream = getattr(command.stderr, "_out", sys.stderr)
        self.bar, self.stage = None, None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = tqdm(total=total or None, desc=STAGES.get(stage, stage), unit=" rows",
                            file=self.stream, disable=None, dynamic_ncols=True)
        if self.bar.disable:
            return
        if total and self.bar.total != total:
            self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
