from django.db import migrations, models


class Migration(migrations.Migration):
    # After H7's 0008 (one leaf: two migrations on 0007 would conflict).
    dependencies = [
        ("frames", "0008_h7_term_undo"),
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
