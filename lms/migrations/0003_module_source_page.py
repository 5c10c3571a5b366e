from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0002_legacy_db_defaults"),
    ]

    operations = [
        migrations.AddField(
            model_name="module",
            name="source_page_id",
            field=models.CharField(blank=True, db_default="", db_index=True, default="",
                                   help_text="notion_page_id of the CADENCE page this module was drafted from.", max_length=32),
        ),
        migrations.AddField(
            model_name="module",
            name="source_hash",
            field=models.CharField(blank=True, db_default="", default="", help_text="Hash of the page's text when drafted.", max_length=64),
        ),
    ]
