"""Keeping CADENCE people linked to the registry's student and faculty records by
e-mail. Below both cadence.services and the Notion importer (cadence/notion/), which
relinks everyone after an import, so the importer never calls up into the services."""

from django.db import connections, transaction
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


def _links_write(people):
    """Store the people's (student, faculty) links: on PostgreSQL one UPDATE joined to the
    new values as arrays (bulk_update's CASE of two branches per person costs more than the
    whole relink of an import's people), elsewhere bulk_update."""
    connection = connections[Person.objects.db]
    if connection.vendor != "postgresql":
        Person.objects.bulk_update(people, ["student", "faculty"], batch_size=1000)
        return
    opts, quote = Person._meta, connection.ops.quote_name
    pk, student, faculty = opts.pk, opts.get_field("student"), opts.get_field("faculty")
    sql = (
        f"UPDATE {quote(opts.db_table)} SET {quote(student.column)} = v.student, {quote(faculty.column)} = v.faculty "
        f"FROM unnest(%s::{pk.db_type(connection)}[], %s::{student.db_type(connection)}[], %s::{faculty.db_type(connection)}[]) "
        f"AS v(pk, student, faculty) WHERE {quote(opts.db_table)}.{quote(pk.column)} = v.pk"
    )
    for start in range(0, len(people), 5000):
        batch = people[start:start + 5000]
        with connection.cursor() as cursor:
            cursor.execute(sql, [[p.pk for p in batch], [p.student_id for p in batch], [p.faculty_id for p in batch]])


def people_link_registry(*, people=None, user=None):
    """Link each person (all, a list, or a queryset) to the student or faculty record
    with the same e-mail (a student first), and unlink when the e-mails no longer match."""
    if people is None:
        qs = Person.objects.all()
    elif isinstance(people, QuerySet):
        qs = people
    else:
        qs = Person.objects.filter(pk__in=[p.pk for p in people])
    rows = list(qs.filter(Q(email__isnull=False) | Q(student__isnull=False) | Q(faculty__isnull=False)))
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
            _links_write([p for p, _ in changed])
            AuditLog.objects.bulk_create(
                [audit_entry(action=AuditLog.Action.UPDATE, instance=p, user=user, source=AuditLog.Source.SYSTEM, changes=c) for p, c in changed]
            )
    return len(changed)
