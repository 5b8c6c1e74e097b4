"""Benchmark of the background reliability snapshot (figures and coder drift) alone, as the
worker computes it (issue 22, item 2). See bench/README.md ("The background snapshot").

    DATABASE_URL=postgresql://coproduction@127.0.0.1:5432/x BENCH_DATABASE=bench_x \
      .venv/bin/python bench/snapshot.py --cases 10000 --keep          # build, then measure
    ... bench/snapshot.py --reuse --repeat 3 --save /tmp/x/after.json  # measure a kept one

Uses bench/run.py's synthetic review in its scratch database. Each round asks for a new
snapshot (the review's reliability version bumped as a change would) and computes it with
the worker's task (`compute_reliability_snapshot`), timing wall and CPU time (this
process; PostgreSQL's own CPU is not in it). The peak resident memory of the process
(ru_maxrss) is printed with the resident memory before each round: run with `--reuse` so that
the build does not set the peak; with `--phases`, each phase's peak and the round's. `--save`
writes the last snapshot's report and drift as JSON (to compare two versions
of the code: `--compare` a saved file prints any difference), `--profile` writes a
pyinstrument profile of one round if pyinstrument is installed. A snapshot takes the drift
blocks whose cases have not changed from the last ready one (coding/reliability/drift.py,
_previous_blocks): `--cold` deletes the review's snapshots first, so that round 1 computes
every block, and rounds 2 and on show a snapshot after a change that moved no case;
`--complete-one` makes round 2 follow a case completing instead (its last coding submitted),
the commonest change while a review is being coded.
"""

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import run  # noqa: E402


def _rss_mb(field: str = "VmRSS:") -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    """Linux: the process's peak resident memory (VmHWM) set back to its current size, so
    that a phase's peak can be read after it (ru_maxrss, printed per round, is not reset)."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def _differences(a, b, path="", out=None, tolerance=0.0):
    out = [] if out is None else out
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                out.append(f"{path}/{key}: only in {'new' if key in b else 'saved'}")
            else:
                _differences(a[key], b[key], f"{path}/{key}", out, tolerance)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items saved, {len(b)} new")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _differences(x, y, f"{path}[{i}]", out, tolerance)
    elif (isinstance(a, float) and isinstance(b, float) and tolerance
          and abs(a - b) <= tolerance):
        pass
    elif a != b:
        out.append(f"{path}: {a!r} saved, {b!r} new")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="measure a kept database again")
    parser.add_argument("--save", help="write the last snapshot's report and drift here")
    parser.add_argument("--compare", help="compare the last snapshot with a saved one")
    parser.add_argument("--profile", help="write a pyinstrument profile (HTML) of a round")
    parser.add_argument("--profile-round", type=int, default=1,
                        help="the round --profile profiles (default 1)")
    parser.add_argument("--complete-one", action="store_true",
                        help="a case completes between rounds: before round 1 the case "
                             "completed last has one coding taken back to draft, before "
                             "round 2 it is submitted again (now), as a coder's submission "
                             "completing a case does")
    parser.add_argument("--cold", action="store_true",
                        help="delete the review's snapshots first: round 1 takes no drift "
                             "block from a previous snapshot (later rounds do)")
    parser.add_argument("--phases", action="store_true",
                        help="print each round's wall time and peak memory per phase of the "
                             "computation (reading, the report, drift, writing)")
    args = parser.parse_args()
    where, cleanup = run.scratch_database(keep_existing=args.reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduction.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.conf import settings

    # As the worker runs: with DEBUG on, Django keeps the SQL of the last 9,000 queries, and a
    # snapshot's UPDATE is tens of MB of JSON at 50,000 cases (each round's peak grew by it).
    settings.DEBUG = False
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from coding.models import CodedValue, Coding, ReliabilitySnapshot, Review
    from coding.reliability.services import (
        reliability_changed,
        reliability_snapshot_request,
    )
    from coding.reliability.tasks import compute_reliability_snapshot

    phases: dict[str, tuple[float, float]] = {}  # name: (seconds, peak RSS in MB)
    if args.phases:
        from coding.reliability import services

        def timed(name, function):
            def wrapper(*a, **k):
                _reset_peak()
                started = time.perf_counter()
                try:
                    return function(*a, **k)
                finally:
                    seconds, peak = phases.get(name, (0.0, 0.0))
                    phases[name] = (seconds + time.perf_counter() - started,
                                    max(peak, _rss_mb("VmHWM:")))
            return wrapper

        from coding.reliability.drift import SnapshotValues

        for name in ("snapshot_values", "report_digest", "previous_report", "snapshot_report",
                     "_release_freed_memory", "drift_snapshot", "_finish"):
            setattr(services, name, timed(name, getattr(services, name)))
        for name in ("report_data", "per_case"):
            setattr(SnapshotValues, name, timed(name, getattr(SnapshotValues, name)))

    try:
        if args.reuse:
            review = Review.objects.get(slug="bench")
            print(f"Database: {where} (reused)")
        else:
            call_command("migrate", verbosity=0)
            built = run.build(args.cases)
            review = built["review"]
            print(f"Database: {where}; built in {built['seconds']:.0f} s")
        codings = Coding.objects.filter(case__review=review).count()
        values = CodedValue.objects.filter(coding__case__review=review).count()
        print(f"{review.cases.count()} cases, {codings} codings, {values} coded values")
        load = os.getloadavg()
        print(f"load average at the start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on "
              f"{os.cpu_count()} CPUs; resident memory before the first round "
              f"{_rss_mb():.0f} MB")
        if args.cold:
            ReliabilitySnapshot.objects.filter(review=review).delete()
        completing = None
        if args.complete_one:
            completing = (Coding.objects.filter(case__review=review, status="submitted")
                          .order_by("-submitted_at", "-pk").first())
            Coding.objects.filter(pk=completing.pk).update(status="draft", submitted_at=None)
            print(f"case {completing.case.number}: {completing.coder} took back to draft; "
                  "submitted again before round 2")
        snapshot = None
        for round_ in range(1, args.repeat + 1):
            if completing is not None and round_ == 2:
                Coding.objects.filter(pk=completing.pk).update(
                    status="submitted", submitted_at=timezone.now())
            with transaction.atomic():
                reliability_changed(review=review)  # a new version: a new snapshot
            snapshot = reliability_snapshot_request(review=review)
            profiler = None
            if args.profile and round_ == args.profile_round:
                from pyinstrument import Profiler

                profiler = Profiler()
                profiler.start()
            phases.clear()
            before = _rss_mb()
            wall, cpu = time.perf_counter(), time.process_time()
            compute_reliability_snapshot.call(snapshot_id=snapshot.pk)  # as the worker does
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            if profiler is not None:
                profiler.stop()
                Path(args.profile).write_text(profiler.output_html())
                print(profiler.output_text(unicode=False, color=False, show_all=False))
            # The round's outcome only: the stored drift (tens of MB of Python objects at
            # 50,000 cases) is not loaded, as the worker does not load it, so that the next
            # round's memory is a worker's.
            snapshot.refresh_from_db(fields=["status", "error", "report"])
            assert snapshot.status == "ready", (snapshot.status, snapshot.error)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            if phases:  # the kernel's peak was reset before each phase: theirs is the round's
                peak = max(phase_peak for _seconds, phase_peak in phases.values())
            load = os.getloadavg()[0]
            print(f"round {round_}: snapshot (figures and drift) computed in {wall:.1f} s "
                  f"wall, {cpu:.1f} s CPU (this process); peak RSS "
                  f"{'of the round' if phases else 'so far'} {peak:.0f} MB (resident before "
                  f"it {before:.0f} MB); "
                  f"{len(snapshot.report['rows'])} rows; load average {load:.1f}")
            if phases:
                print("  phases (wall, peak RSS): " + ", ".join(
                    f"{name} {seconds:.2f} s {peak:.0f} MB"
                    for name, (seconds, peak) in phases.items()))
        if completing is not None and args.repeat < 2:  # leave the case complete again
            Coding.objects.filter(pk=completing.pk).update(
                status="submitted", submitted_at=timezone.now())
        if snapshot is not None and (args.save or args.compare):
            snapshot.refresh_from_db()
            got = json.loads(json.dumps(
                {"report": snapshot.report, "drift": snapshot.drift,
                 "drift_codings": snapshot.drift_codings}))
            if args.save:
                Path(args.save).write_text(json.dumps(got))
            if args.compare:
                saved = json.loads(Path(args.compare).read_text())
                exact = _differences(saved, got)
                print(f"against {args.compare}: {len(exact)} differences")
                for line in exact[:20]:
                    print("  " + line)
        ReliabilitySnapshot.objects.filter(review=review).exclude(
            pk=getattr(snapshot, "pk", None)).delete()
    finally:
        if not args.keep:
            cleanup()


if __name__ == "__main__":
    main()
