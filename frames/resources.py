from import_export import fields

from frames.imports import FramesIntegerWidget, FramesResource
from frames.models import Faculty, Project, Student, Team, University


class UniversityResource(FramesResource):
    class Meta:
        model = University
        fields = ("id", "name", "location", "contact_email", "is_lead", "active", "meta")
        import_id_fields = ("id",)


class ProjectResource(FramesResource):
    class Meta:
        model = Project
        fields = ("id", "name", "university", "type", "duration", "description", "meta")
        import_id_fields = ("id",)


class TeamResource(FramesResource):
    class Meta:
        model = Team
        fields = ("id", "name", "university", "project", "discipline", "subsystem", "description", "meta")
        import_id_fields = ("id",)


class FacultyResource(FramesResource):
    class Meta:
        model = Faculty
        fields = ("id", "name", "university", "email", "role", "department", "description", "meta")
        import_id_fields = ("id",)


class StudentResource(FramesResource):
    # status is derived by the database: exported, never imported.
    status = fields.Field(attribute="status", column_name="status", readonly=True)
    terms_remaining = fields.Field(attribute="terms_remaining", column_name="terms_remaining", widget=FramesIntegerWidget())

    class Meta:
        model = Student
        fields = (
            "id", "name", "university", "team", "advisor", "email", "role", "expertise_area",
            "graduation_term", "terms_remaining", "status", "is_lead", "active", "grade", "meta",
        )
        import_id_fields = ("id",)
