from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("frames", "0008_term_rotation_undo"),
    ]

    operations = [
        migrations.AddField(
            model_name="agentlog",
            name="heartbeat_at",
            field=models.DateTimeField(
                blank=True, help_text="When its worker last reported (start, progress): how long a job no worker holds has been lost.", null=True,
            ),
        ),
    ]
