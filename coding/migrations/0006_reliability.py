from django.db import migrations, models


def default_levels(apps, schema_editor):
    Attribute = apps.get_model("coding", "Attribute")
    Attribute.objects.filter(kind="number").update(level="interval")
    Attribute.objects.filter(kind="text").update(level="")


class Migration(migrations.Migration):

    dependencies = [
        ("coding", "0005_members"),
    ]

    operations = [
        migrations.AddField(
            model_name="attribute",
            name="level",
            field=models.CharField(
                blank=True,
                choices=[
                    ("nominal", "Nominal"),
                    ("ordinal", "Ordinal (the options' order is the scale)"),
                    ("interval", "Interval"),
                    ("ratio", "Ratio"),
                ],
                default="nominal",
                help_text="Level of measurement for reliability (empty for text).",
                max_length=10,
            ),
        ),
        migrations.RunPython(default_levels, migrations.RunPython.noop),
    ]
