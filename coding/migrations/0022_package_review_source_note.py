from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('coding', '0021_reliability_counter'),
    ]

    operations = [
        migrations.AddField(
            model_name='review',
            name='source_note',
            field=models.JSONField(blank=True, default=dict, help_text='How the data relate to the source publication: {"text": ..., "charts": {chart id: note}}; shown to readers.'),
        ),
    ]
