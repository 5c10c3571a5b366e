"""The registry's field lists: each model's resource and serializer read theirs from here
(frames/base/field_lists.py)."""

from frames.base.field_lists import FieldList, api
from frames.models import Faculty, Project, Student, Team, University

UNIVERSITY = FieldList(
    University,
    "id", "name", "location", "contact_email", "is_lead", "active", "meta", api("created_at"),
)

PROJECT = FieldList(
    Project,
    "id", "name", "university", "type", api("is_collaborative"), "duration", "description", "meta", api("created_at"),
)

TEAM = FieldList(
    Team,
    "id", "name", "university", "project", "discipline", "subsystem", "description", "meta", api("created_at"),
)

FACULTY = FieldList(
    Faculty,
    "id", "name", "university", "email", "role", "department", "description", "meta", api("created_at"),
)

STUDENT = FieldList(
    Student,
    "id", "name", "university", "team", "advisor", "email", "role", "expertise_area", "graduation_term", "terms_remaining", "status", "is_lead",
    "active", api("graduated_at"), "grade", "meta", api("created_at"),
)
