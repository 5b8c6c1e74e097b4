"""The reliability fingerprint becomes a per-review counter (Review.reliability_version), bumped
by the services; a snapshot records the counter value it was computed at, and carries coder
drift (issue 22)."""

from django.db import migrations, models


def keep_newest_ready(apps, schema_editor):
    """Every existing snapshot becomes version 0, which no review has (the counter starts at 1):
    each review's newest ready snapshot is still shown, as "being updated", until the worker's
    recovery (reliability_snapshots_recover) computes version 1. The others are of no further
    use (the service deletes them once a newer one is ready) and would share version 0."""
    Snapshot = apps.get_model("coding", "ReliabilitySnapshot")
    keep = []
    for review_id in Snapshot.objects.values_list("review_id", flat=True).distinct():
        newest = (Snapshot.objects.filter(review_id=review_id, status="ready")
                  .order_by("-requested_at", "-id").values_list("id", flat=True).first())
        if newest is not None:
            keep.append(newest)
    Snapshot.objects.exclude(id__in=keep).delete()
    Snapshot.objects.update(version=0)


class Migration(migrations.Migration):

    dependencies = [
        ("coding", "0020_stats_reliability_thresholds"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="reliability_version",
            field=models.PositiveBigIntegerField(
                default=1, editable=False,
                help_text="Changes whenever the reliability figures or coder drift may change.",
            ),
        ),
        migrations.AddField(
            model_name="reliabilitysnapshot",
            name="version",
            field=models.PositiveBigIntegerField(
                default=0,
                help_text="The review's reliability_version it was computed at (0: made before "
                "the version existed, never current).",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="reliabilitysnapshot",
            name="drift",
            field=models.JSONField(
                blank=True, editable=False, null=True,
                help_text="Coder drift by week and by windows of the default size "
                "(coding.reliability.drift.drift_snapshot).",
            ),
        ),
        migrations.AddField(
            model_name="reliabilitysnapshot",
            name="drift_codings",
            field=models.JSONField(
                blank=True, editable=False, null=True,
                help_text="Per coder, each submitted coding's date and counts, in order: other "
                "window sizes are grouped from it (read only when asked for).",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="reliabilitysnapshot",
            name="reliability_snapshot_once_per_state",
        ),
        migrations.RunPython(keep_newest_ready, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="reliabilitysnapshot",
            name="fingerprint",
        ),
        migrations.AddConstraint(
            model_name="reliabilitysnapshot",
            constraint=models.UniqueConstraint(
                fields=("review", "version"), name="reliability_snapshot_once_per_version"
            ),
        ),
    ]
