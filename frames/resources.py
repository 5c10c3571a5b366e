from import_export import fields

from frames import field_lists
from frames.accounts import accounts_for_people
from frames.imports import FramesIntegerWidget, FramesResource
from frames.models import Faculty, Project, Student, Team, University
from frames.roles import is_unrestricted


class LoginsOnImportMixin:
    """The import's "Create logins and invite" choice (`create_logins` in the import options:
    the admin's confirm form, passed on to the job of a file above IMPORT_JOB_THRESHOLD_ROWS):
    every imported person, unchanged rows included, gets a login and a set-password link, in
    the import's transaction (the e-mails go on commit). A coordinator's choice only; the
    form offers it to no one else."""

    def after_write(self, written):
        super().after_write(written)
        if not self.import_options.get("create_logins") or not (self.user is None or is_unrestricted(self.user)):
            return
        people = self._meta.model.objects.filter(pk__in=self.imported_ids()).order_by("pk")
        report = accounts_for_people(people, self.user, source=self.source)
        self.import_notes.append(("warning" if report.skipped else "success", f"Logins: {report.summary()}"))


class UniversityResource(FramesResource):
    class Meta:
        model = University
        fields = field_lists.UNIVERSITY.export
        import_id_fields = ("id",)


class ProjectResource(FramesResource):
    class Meta:
        model = Project
        fields = field_lists.PROJECT.export
        import_id_fields = ("id",)


class TeamResource(FramesResource):
    class Meta:
        model = Team
        fields = field_lists.TEAM.export
        import_id_fields = ("id",)


class FacultyResource(LoginsOnImportMixin, FramesResource):
    class Meta:
        model = Faculty
        fields = field_lists.FACULTY.export
        import_id_fields = ("id",)


class StudentResource(LoginsOnImportMixin, FramesResource):
    # status is derived by the database: exported, never imported.
    status = fields.Field(attribute="status", column_name="status", readonly=True)
    terms_remaining = fields.Field(attribute="terms_remaining", column_name="terms_remaining", widget=FramesIntegerWidget())

    class Meta:
        model = Student
        fields = field_lists.STUDENT.export
        import_id_fields = ("id",)
