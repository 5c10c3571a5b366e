"""Keeping CADENCE people linked to the registry's student and faculty records by
e-mail. Below both cadence.services and the Notion importer (cadence/notion/), which
relinks everyone after an import, so the importer never calls up into the services."""

from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from cadence.models import Person
from frames.models import AuditLog, Faculty, Student
from frames.services import audit_entry


def _registry_by_email(emails):
    emails = {e.lower() for e in emails if e}
    if not emails:
        return {}, {}
    students = dict(Student.objects.annotate(e=Lower("email")).filter(e__in=emails).values_list("e", "pk"))
    faculty = dict(Faculty.objects.annotate(e=Lower("email")).filter(e__in=emails).values_list("e", "pk"))
    return students, faculty


def people_link_registry(*, people=None, user=None):
    """Link each person (all, a list, or a queryset) to the student or faculty record
    with the same e-mail (a student first), and unlink when the e-mails no longer match."""
    if people is None:
        qs = Person.objects.all()
    elif isinstance(people, QuerySet):
        qs = people
    else:
        qs = Person.objects.filter(pk__in=[p.pk for p in people])
    rows = list(qs.filter(Q(email__isnull=False) | Q(student__isnull=False) | Q(faculty__isnull=False)).select_related("student", "faculty"))
    students, faculty = _registry_by_email(p.email for p in rows)
    changed = []
    for person in rows:
        email = (person.email or "").lower()
        student_id = students.get(email)
        faculty_id = None if student_id else faculty.get(email)
        if (person.student_id, person.faculty_id) != (student_id, faculty_id):
            changes = {"student_id": [person.student_id, student_id], "faculty_id": [person.faculty_id, faculty_id]}
            person.student_id, person.faculty_id = student_id, faculty_id
            changed.append((person, changes))
    if changed:
        with transaction.atomic():
            Person.objects.bulk_update([p for p, _ in changed], ["student", "faculty"], batch_size=1000)
            AuditLog.objects.bulk_create(
                [audit_entry(action=AuditLog.Action.UPDATE, instance=p, user=user, source=AuditLog.Source.SYSTEM, changes=c) for p, c in changed]
            )
    return len(changed)
