from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from cadence.models.base import CadenceModel, notion_id_format, notion_id_unique, subsystem_check, subsystem_field
from cadence.notion.people import name_key
from frames.models import Faculty, Student


class Person(CadenceModel):
    """A CADENCE contact (old schema 002's cadence_people), optionally linked to the
    student or faculty record with the same e-mail (docs/cadence.md)."""

    person_id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=255)
    name_key = models.CharField(
        max_length=255, unique=True, editable=False,
        help_text="The name as compared to find duplicates (case and spacing ignored, accents kept).",
    )
    role = models.CharField(max_length=255, blank=True, default="", db_default="", help_text="Team Lead, Engineer, Student ...")
    subsystem = subsystem_field()
    email = models.EmailField(max_length=255, null=True, blank=True)
    student = models.ForeignKey(Student, null=True, blank=True, on_delete=models.SET_NULL, related_name="cadence_people")
    faculty = models.ForeignKey(Faculty, null=True, blank=True, on_delete=models.SET_NULL, related_name="cadence_people")

    university_scope = ("student__university", "faculty__university")

    @classmethod
    def reference_filter(cls, university_id):
        """Named (in tasks, meetings, exports) to faculty of their own university; an
        unlinked contact to everyone, as `cadence.selectors.person_visible` decides."""
        return Q(student__university_id=university_id) | Q(faculty__university_id=university_id) | Q(student__isnull=True, faculty__isnull=True)

    class Meta:
        db_table = "cadence_people"
        ordering = ["name"]
        verbose_name = "person"
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="cadence_people_name_not_blank"),
            models.UniqueConstraint(Lower("email"), name="cadence_people_email_uniq", violation_error_message="A person with this e-mail already exists."),
            models.CheckConstraint(condition=Q(email__isnull=True) | ~Q(email=""), name="cadence_people_email_null_not_blank"),
            # A person is one real person: a student or a faculty member, not both.
            models.CheckConstraint(condition=Q(student__isnull=True) | Q(faculty__isnull=True), name="cadence_people_one_registry_link"),
            subsystem_check("cadence_people"),
            notion_id_unique("cadence_people"),
            notion_id_format("cadence_people"),
        ]
        indexes = [models.Index(fields=["email"], name="cadence_people_email")]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError


        super().clean()
        self.name_key = name_key(self.name or "")
        if self.name_key and Person.objects.filter(name_key=self.name_key).exclude(pk=self.pk).exists():
            raise ValidationError({"name": "A person with this name already exists (names are compared ignoring case and spacing)."})

    def save(self, *args, **kwargs):
        self.name = " ".join((self.name or "").split())
        self.name_key = name_key(self.name)
        self.email = (self.email or "").strip().lower() or None
        super().save(*args, **kwargs)
