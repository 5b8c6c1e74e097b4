"""Coder drift's stored format changed (agreement between coders, not with the consensus):
every review's reliability version moves on, so the worker's recovery computes a snapshot in
the new format; until then the pages say drift is being computed."""

from django.db import migrations
from django.db.models import F


def bump(apps, schema_editor):
    Review = apps.get_model("coding", "Review")
    Review.objects.update(reliability_version=F("reliability_version") + 1)


class Migration(migrations.Migration):
    dependencies = [("coding", "0022_package_review_source_note")]
    operations = [migrations.RunPython(bump, migrations.RunPython.noop)]
