from django.db import migrations, models
from django.db.models import Count


def compute(apps, schema_editor):
    # The same rule as coding.public.policies.consensus_is_public, on historical models.
    Case = apps.get_model("coding", "Case")
    Coding = apps.get_model("coding", "Coding")
    Assignment = apps.get_model("coding", "Assignment")
    Disagreement = apps.get_model("coding", "Disagreement")
    complete = []
    for case in Case.objects.annotate(n=Count("assignments")).filter(n__gte=2):
        coders = list(Assignment.objects.filter(case=case).values_list("coder_id", flat=True))
        submitted = Coding.objects.filter(
            case=case, coder_id__in=coders, status="submitted"
        ).count()
        if submitted == len(coders) and not Disagreement.objects.filter(
            case=case, status="open"
        ).exists():
            complete.append(case.pk)
    Case.objects.filter(pk__in=complete).update(consensus_complete=True)


class Migration(migrations.Migration):
    dependencies = [
        ("coding", "0003_case_order_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="consensus_complete",
            field=models.BooleanField(
                default=False, editable=False,
                help_text="Both codings submitted and no disagreement open: readers see its consensus.",
            ),
        ),
        migrations.RunPython(compute, migrations.RunPython.noop),
    ]
