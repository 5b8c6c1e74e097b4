"""Reliability snapshots: queued when submitted codings change (after the change commits),
computed once per state of the codings by the background worker, never in a request."""

import io
import threading
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from coding.codings.services import coding_reopen, coding_save_draft, coding_start, coding_submit
from coding.codings.transfer import codings_import
from coding.models import ReliabilitySnapshot, SnapshotStatus
from coding.reliability import services
from coding.reliability.services import (
    reliability_changed,
    reliability_snapshot_compute,
    reliability_snapshot_request,
)
from coding.reviews.importers import codebook_import
from tests import factories

TASK = "coding.reliability.tasks.compute_reliability_snapshot"


def _submit(case, user, level="local"):
    coding = coding_start(case=case, user=user)
    coding = coding_save_draft(coding=coding, expected_version=coding.version, user=user, values={
        "level": {"value": level}, "roles": {"value": ["deliverer"]}})
    return coding_submit(coding=coding, expected_version=coding.version, user=user)


@pytest.fixture
def assigned(review, coder_a, coder_b):
    case = factories.CaseFactory(review=review, number="1")
    factories.AssignmentFactory(case=case, coder=coder_a)
    factories.AssignmentFactory(case=case, coder=coder_b)
    return case


def _queued() -> list:
    return list(DBTaskResult.objects.filter(task_path=TASK).values_list("args_kwargs", flat=True))


def _worker() -> str:
    """The real worker, as `manage.py db_worker` runs it, until the queue is empty."""
    out = io.StringIO()
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0,
                 stdout=out)
    return out.getvalue()


def test_submitting_a_coding_queues_a_snapshot_once_the_transaction_commits(
    assigned, coder_a, coder_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _submit(assigned, coder_a)
    # The case is not complete: nothing changes in the figures (blind coding), nothing queued.
    assert not ReliabilitySnapshot.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        _submit(assigned, coder_b)
        assert not ReliabilitySnapshot.objects.exists()  # nothing before the commit

    snapshot = ReliabilitySnapshot.objects.get()
    assert snapshot.status == SnapshotStatus.PENDING and snapshot.report is None
    assert _queued() == [{"args": [], "kwargs": {"snapshot_id": snapshot.pk}}]


def test_a_change_that_rolls_back_queues_nothing(review, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            reliability_changed(review=review)
            raise RuntimeError("the change fails")

    assert callbacks == []
    assert not ReliabilitySnapshot.objects.exists() and _queued() == []


def test_reopening_a_coding_queues_a_snapshot_of_the_new_state(
    assigned, coder_a, lead, django_capture_on_commit_callbacks
):
    coder_b = assigned.assignments.exclude(coder=coder_a).get().coder
    with django_capture_on_commit_callbacks(execute=True):
        coding = _submit(assigned, coder_a)
        _submit(assigned, coder_b, level="state")
    first = factories.reliability_computed(assigned.review)
    DBTaskResult.objects.all().delete()  # the submissions' task: done above

    with django_capture_on_commit_callbacks(execute=True):
        coding_reopen(coding=coding, user=lead, reason="Check the annex")

    pending = ReliabilitySnapshot.objects.exclude(pk=first.pk).get()
    assert pending.status == SnapshotStatus.PENDING and pending.version > first.version
    assert _queued() == [{"args": [], "kwargs": {"snapshot_id": pending.pk}}]


def test_importing_many_codings_queues_one_snapshot(
    review, tmp_path, django_capture_on_commit_callbacks
):
    for number in range(1, 21):
        factories.CaseFactory(review=review, number=str(number))
    lines = ["case,coder,attribute,value"]
    lines += [f"{n},{coder},level,local" for n in range(1, 21) for coder in ("ann", "ben")]
    path = Path(tmp_path / "codings.csv")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with django_capture_on_commit_callbacks(execute=True):
        codings_import(path=path, review_slug="demo", enrol=True)

    assert ReliabilitySnapshot.objects.count() == 1 and len(_queued()) == 1


def test_a_changed_codebook_queues_a_snapshot(
    coproduction, tmp_path, django_capture_on_commit_callbacks
):
    factories.reliability_computed(coproduction)
    bundled = Path(__file__).resolve().parent.parent / "fixtures" / "coproduction_codebook.yaml"
    edited = tmp_path / "codebook.yaml"
    edited.write_text(bundled.read_text(encoding="utf-8").replace(
        "key: local", "key: municipal", 1), encoding="utf-8")

    with django_capture_on_commit_callbacks(execute=True):
        codebook_import(path=edited, review_slug="coproduction")

    assert ReliabilitySnapshot.objects.filter(status=SnapshotStatus.PENDING).count() == 1
    assert len(_queued()) == 1


def test_two_requests_for_the_same_codings_make_one_snapshot_and_one_task(
    review, coder_a, coder_b
):
    case = factories.CaseFactory(review=review)
    factories.coding_with_values(case=case, coder=coder_a, values={"level": "local"})
    factories.coding_with_values(case=case, coder=coder_b, values={"level": "state"})

    first = reliability_snapshot_request(review=review)
    second = reliability_snapshot_request(review=review)

    assert first.pk == second.pk
    assert ReliabilitySnapshot.objects.count() == 1


def test_a_request_that_loses_the_race_to_insert_takes_the_winners_snapshot(
    review, monkeypatch, django_capture_on_commit_callbacks
):
    """Two triggers at once: both find no row, both insert; the unique constraint on
    (review, fingerprint) lets one insert through, and the other queues nothing."""
    rival = {}
    real = ReliabilitySnapshot.objects

    class Racing:
        """Finds no row, as both triggers do; the rival's insert commits right after."""

        def filter(self, **fields):
            return SimpleNamespace(first=lambda: rival.setdefault("row", real.create(**fields))
                                   and None)

        def create(self, **fields):
            return real.create(**fields)

        def get(self, **fields):
            return real.get(**fields)

    monkeypatch.setattr(services, "ReliabilitySnapshot", SimpleNamespace(objects=Racing()))
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = reliability_snapshot_request(review=review)

    assert snapshot.pk == rival["row"].pk
    assert ReliabilitySnapshot.objects.count() == 1
    assert _queued() == []  # the winner queues it, not this request


def test_a_claimed_snapshot_is_not_computed_again(review, monkeypatch):
    snapshot = reliability_snapshot_request(review=review)
    calls = []
    real = services.snapshot_report
    monkeypatch.setattr(services, "snapshot_report", lambda **kw: calls.append(1) or real(**kw))

    reliability_snapshot_compute(snapshot_id=snapshot.pk)
    reliability_snapshot_compute(snapshot_id=snapshot.pk)  # a second task for the same row

    snapshot.refresh_from_db()
    assert calls == [1] and snapshot.status == SnapshotStatus.READY


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_computes_a_queued_snapshot_once(review, coder_a, coder_b):
    case = factories.CaseFactory(review=review)
    factories.coding_with_values(case=case, coder=coder_a, values={"level": "local"})
    factories.coding_with_values(case=case, coder=coder_b, values={"level": "local"})
    # Two triggers in one transaction: one version, one snapshot after the commit.
    with transaction.atomic():
        reliability_changed(review=review)
        reliability_changed(review=review)
    assert ReliabilitySnapshot.objects.count() == 1 and len(_queued()) == 1

    _worker()

    snapshot = ReliabilitySnapshot.objects.get()
    assert snapshot.status == SnapshotStatus.READY
    assert snapshot.started_at <= snapshot.finished_at and snapshot.duration >= 0
    level = next(r for r in snapshot.report["rows"] if r["attribute"] == "level")
    assert level["units"] == 1 and level["percent_agreement"] == 1.0
    assert snapshot.report["coders"] == ["alice", "bob"]
    assert DBTaskResult.objects.get(task_path=TASK).status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_one_state_make_one_snapshot(review):
    """Real concurrency where the database has it (PostgreSQL): eight threads ask at once."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race is shown by the test above")
    barrier, results, errors = threading.Barrier(8), [], []

    def ask():
        try:
            barrier.wait(timeout=10)
            results.append(reliability_snapshot_request(review=review).pk)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == [] and len(set(results)) == 1
    assert ReliabilitySnapshot.objects.count() == 1 and len(_queued()) == 1


def test_a_snapshot_whose_codings_changed_before_it_ran_is_superseded(
    review, coder_a, coder_b, monkeypatch
):
    case = factories.CaseFactory(review=review)
    factories.coding_with_values(case=case, coder=coder_a, values={"level": "local"})
    old = reliability_snapshot_request(review=review)
    factories.coding_with_values(case=case, coder=coder_b, values={"level": "state"})
    computed = []
    monkeypatch.setattr(services, "snapshot_report", lambda **kw: computed.append(1))

    reliability_snapshot_compute(snapshot_id=old.pk)

    old.refresh_from_db()
    assert old.status == SnapshotStatus.SUPERSEDED and old.report is None
    assert computed == []


def test_a_failed_computation_is_recorded(review, monkeypatch):
    snapshot = reliability_snapshot_request(review=review)

    def broken(**kwargs):
        raise ValueError("no memory left")

    monkeypatch.setattr(services, "snapshot_report", broken)
    with pytest.raises(ValueError):
        reliability_snapshot_compute(snapshot_id=snapshot.pk)

    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.FAILED
    assert snapshot.error == "ValueError: no memory left"
    # Looking again does not queue it again: the next change of the codings will.
    assert reliability_snapshot_request(review=review).status == SnapshotStatus.FAILED


def test_a_lost_computation_is_queued_again_by_the_recovery_not_by_a_request(
        review, settings, django_capture_on_commit_callbacks):
    snapshot = reliability_snapshot_request(review=review)
    DBTaskResult.objects.all().delete()  # the worker took the task and died with it
    long_ago = timezone.now() - timedelta(minutes=settings.RELIABILITY_TASK_TIMEOUT_MINUTES + 1)
    ReliabilitySnapshot.objects.filter(pk=snapshot.pk).update(
        status=SnapshotStatus.RUNNING, started_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        assert reliability_snapshot_request(review=review).status == SnapshotStatus.RUNNING
    assert _queued() == []  # what pages and the API call: it writes nothing for a lost one

    with django_capture_on_commit_callbacks(execute=True):
        call_command("recover_background_jobs", stdout=io.StringIO())

    again = ReliabilitySnapshot.objects.get(pk=snapshot.pk)
    assert again.status == SnapshotStatus.PENDING
    assert _queued() == [{"args": [], "kwargs": {"snapshot_id": snapshot.pk}}]
    assert reliability_snapshot_compute(snapshot_id=snapshot.pk).status == SnapshotStatus.READY


def test_a_ready_snapshot_replaces_the_older_ones(review, coder_a, coder_b):
    case = factories.CaseFactory(review=review)
    factories.coding_with_values(case=case, coder=coder_a, values={"level": "local"})
    first = factories.reliability_computed(review)
    factories.coding_with_values(case=case, coder=coder_b, values={"level": "local"})

    second = factories.reliability_computed(review)

    assert list(ReliabilitySnapshot.objects.values_list("pk", flat=True)) == [second.pk]
    assert first.version < second.version


def test_the_reliability_command_still_computes_directly(review, coder_a, coder_b):
    case = factories.CaseFactory(review=review)
    factories.coding_with_values(case=case, coder=coder_a, values={"level": "local"})
    factories.coding_with_values(case=case, coder=coder_b, values={"level": "local"})
    out = io.StringIO()

    call_command("reliability", review="demo", format="json", bootstrap=0, stdout=out)

    assert '"attribute": "level"' in out.getvalue()
    assert not ReliabilitySnapshot.objects.exists() and _queued() == []


@pytest.mark.parametrize("seed", range(3))
def test_every_pairs_confusion_counted_from_the_arrays_is_the_one_asked_for_alone(review, seed):
    """_pair_confusions counts every pair from the attributes' arrays; confusion() asks the
    tables for one pair. Four coders on random cases (two or three each, so that some pairs
    share no case), values missing, sets empty or of several options, numbers and yes/no."""
    import random

    from coding.models import Attribute as A
    from coding.reliability.selectors import _pair_confusions, confusion, reliability_data

    rng = random.Random(seed)
    coders = [factories.UserFactory(username=name) for name in ("di", "cy", "al", "bo")]
    for number in range(1, 25):
        case = factories.CaseFactory(review=review, number=str(number))
        for coder in rng.sample(coders[:3] if number % 4 else coders, 2 + number % 2):
            factories.coding_with_values(case=case, coder=coder, values={
                "level": rng.choice(["local", "state", "national", None]),
                "roles": rng.sample(["commissioner", "deliverer", "assessor"],
                                    rng.randint(0, 3)),
                "budget": rng.choice([None, 1.0, 2.5, 10.0]),
                "agreement": rng.choice([None, True, False])})
    data = reliability_data(review=review)

    for key in ("level", "roles", "budget", "agreement"):
        attribute = A.objects.get(key=key)
        counted = _pair_confusions(data, attribute)
        names = sorted(c.username for c in coders)
        expected = {}
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                shared = [codes for codes in data.tables[key].values()
                          if a in codes and b in codes]
                if shared:
                    expected[f"{a},{b}"] = confusion(data=data, attribute=attribute,
                                                     coder_a=a, coder_b=b)
        assert counted == expected and list(counted) == list(expected)
        assert "bo,di" in counted or "al,di" in counted  # the fourth coder's pairs too


def test_the_snapshot_holds_every_pairs_confusion_matrix_as_asked_one_by_one(review):
    from coding.models import Attribute as A
    from coding.reliability.selectors import confusion, reliability_data

    coders = [factories.UserFactory(username=name) for name in ("cy", "al", "bo")]
    picks = [("local", ["deliverer"]), ("state", []), ("local", ["assessor", "deliverer"])]
    for number in range(1, 7):
        case = factories.CaseFactory(review=review, number=str(number))
        for k, coder in enumerate(coders[: 2 + number % 2]):
            level, roles = picks[(number + k) % 3]
            factories.coding_with_values(case=case, coder=coder, values={
                "level": level, "roles": roles, "budget": float(number + k % 2)})

    snapshot = factories.reliability_computed(review)

    data = reliability_data(review=review)
    for key in ("level", "roles", "budget"):
        attribute = A.objects.get(key=key)
        expected = {f"{a},{b}": confusion(data=data, attribute=attribute, coder_a=a, coder_b=b)
                    for a, b in [("al", "bo"), ("al", "cy"), ("bo", "cy")]}
        assert snapshot.report["confusion"][key] == expected


@pytest.mark.django_db
def test_a_snapshots_json_is_compressed_with_lz4_on_postgresql():
    """Migration 0032: writing a large snapshot's jsonb spends less time compressing it."""
    if connection.vendor != "postgresql":
        pytest.skip("column compression is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = "
            "'coding_reliabilitysnapshot'::regclass AND attname IN "
            "('report', 'drift', 'drift_codings') ORDER BY attname")
        assert cursor.fetchall() == [("drift", "l"), ("drift_codings", "l"), ("report", "l")]


def test_a_snapshot_s_json_is_stored_as_the_field_would_store_it(review):
    """_finish writes its JSON with orjson; what is read back is what the field's own
    encoder would have stored: whole and fractional numbers (the shortest that reads back),
    nested lists, keys that are not strings, non-ASCII text, quotes and newlines."""
    value = {"note": 'A "quoted"\nline', "alpha": 0.8125, "small": 1e-05, "third": 1 / 3,
             "units": 12, "none": None, "yes": True, "rows": [[0, 1], [2, "Zürich 合作"]],
             3: "three"}
    by_field = ReliabilitySnapshot.objects.create(review=review, version=1, drift=value)
    by_orjson = ReliabilitySnapshot.objects.create(review=review, version=2)
    ReliabilitySnapshot.objects.filter(pk=by_orjson.pk).update(drift=services._json(value))
    by_field.refresh_from_db()
    by_orjson.refresh_from_db()
    assert by_orjson.drift == by_field.drift
    assert by_orjson.drift["3"] == "three" and by_orjson.drift["third"] == 1 / 3
    assert services._json(None) is None


def test_a_snapshot_s_json_read_as_text_is_what_the_field_reads(review):
    """The drift selectors read the per-case values and the last snapshot's parts as text
    parsed by orjson (selectors.as_text, json_value): the same values as the field's own
    reading, a part that is JSON null as None, a missing one as None."""
    from django.db.models.fields.json import KeyTransform

    from coding.reliability.selectors import _drift_codings, as_text, json_value

    value = {"format": 2, "cases": [["2026-12-08T03:04:05+00:00", {"ann": [[0, 1], [1, 3]]}]],
             "categories": ["a=\"x\"", "b=1.5"], "trend": None, "overall": {"alpha": 0.25}}
    snapshot = ReliabilitySnapshot.objects.create(review=review, version=1, drift_codings=value)
    assert _drift_codings(snapshot) == ReliabilitySnapshot.objects.get(pk=snapshot.pk).drift_codings
    rows = ReliabilitySnapshot.objects.filter(pk=snapshot.pk)
    parts = rows.annotate(
        trend=as_text(KeyTransform("trend", "drift_codings")),
        overall=as_text(KeyTransform("overall", "drift_codings")),
        missing=as_text(KeyTransform("nothing", "drift_codings")),
        drift_text=as_text("drift")).values_list("trend", "overall", "missing",
                                                 "drift_text").get()
    assert [json_value(part) for part in parts] == [None, {"alpha": 0.25}, None, None]
