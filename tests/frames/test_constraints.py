"""Every registry constraint holds in the database itself: a direct ORM write
that skips forms and `full_clean` is refused (IntegrityError), and `status` is
computed by the database from terms_remaining and cannot be written."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from frames.models import Faculty, Project, Student, Team, University
from tests.factories import FacultyFactory, ProjectFactory, StudentFactory, TeamFactory, UniversityFactory

pytestmark = pytest.mark.django_db


def refused(fn, exc=IntegrityError):
    """Run one write in its own savepoint and expect the database to refuse it."""
    with pytest.raises(exc):
        with transaction.atomic():
            fn()


@pytest.fixture
def uni():
    return UniversityFactory(id="uni_a")


@pytest.fixture
def student(uni):
    return StudentFactory(id="student-x", university=uni, email="x@example.edu")


# ------------------------------------------------------------------ blank names


@pytest.mark.parametrize("model", ["university", "project", "team", "faculty", "student"])
def test_blank_name_refused(model, uni):
    program = ProjectFactory(id="prog")
    makers = {
        "university": lambda: University.objects.create(id="blank", name=""),
        "project": lambda: Project.objects.create(id="blank", name=""),
        "team": lambda: Team.objects.create(id="blank", name="", university=uni, project=program),
        "faculty": lambda: Faculty.objects.create(id="blank", name="", university=uni),
        "student": lambda: Student.objects.create(id="blank", name="", university=uni),
    }
    refused(makers[model])
    assert not type(uni).objects.filter(pk="blank").exists()


def test_blank_name_refused_on_update(student):
    refused(lambda: Student.objects.filter(pk=student.pk).update(name=""))
    student.refresh_from_db()
    assert student.name


# ------------------------------------------------------------------ students


@pytest.mark.parametrize("value", [13, 100, 32767])
def test_terms_remaining_above_range_refused(student, value):
    refused(lambda: Student.objects.filter(pk=student.pk).update(terms_remaining=value))
    student.refresh_from_db()
    assert student.terms_remaining == 4


def test_terms_remaining_negative_refused(student):
    refused(lambda: Student.objects.filter(pk=student.pk).update(terms_remaining=-1))
    refused(lambda: Student.objects.create(id="neg", name="Neg", university_id="uni_a", terms_remaining=-3))


def test_terms_remaining_upper_bound_allowed(student):
    Student.objects.filter(pk=student.pk).update(terms_remaining=12)
    student.refresh_from_db()
    assert student.terms_remaining == 12


@pytest.mark.parametrize("grade", [0, 13, 99])
def test_grade_out_of_range_refused(student, grade):
    refused(lambda: Student.objects.filter(pk=student.pk).update(grade=grade))


@pytest.mark.parametrize("grade", [None, 1, 12])
def test_grade_in_range_allowed(student, grade):
    Student.objects.filter(pk=student.pk).update(grade=grade)
    student.refresh_from_db()
    assert student.grade == grade


def test_graduated_but_active_refused(student):
    refused(lambda: Student.objects.filter(pk=student.pk).update(graduated_at=timezone.now(), active=True))
    Student.objects.filter(pk=student.pk).update(graduated_at=timezone.now(), active=False)


def test_duplicate_student_email_refused(student, uni):
    refused(lambda: Student.objects.create(id="other", name="Other", university=uni, email="x@example.edu"))


def test_many_students_without_email_allowed(uni):
    Student.objects.create(id="s1", name="One", university=uni, email=None)
    Student.objects.create(id="s2", name="Two", university=uni, email=None)
    assert Student.objects.filter(email__isnull=True).count() == 2


def test_duplicate_faculty_email_refused(uni):
    FacultyFactory(id="f1", university=uni, email="dup@example.edu")
    refused(lambda: Faculty.objects.create(id="f2", name="Two", university=uni, email="dup@example.edu"))


def test_duplicate_primary_key_refused(student, uni):
    refused(lambda: Student.objects.create(id="student-x", name="Twin", university=uni))


def test_student_needs_university():
    refused(lambda: Student.objects.create(id="nouni", name="Nowhere", university_id=None))


def test_unknown_university_refused():
    # SQLite checks foreign keys at commit; PostgreSQL's are deferred too: force the check now.
    def write():
        Student.objects.create(id="ghost", name="Ghost", university_id="no_such_uni")
        _check_constraints_now()

    refused(write)


def _check_constraints_now():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        connection.check_constraints()


# ------------------------------------------------------------------ status is the database's


@pytest.mark.parametrize(
    "terms,status",
    [(0, "outgoing"), (1, "outgoing"), (2, "established"), (3, "established"), (4, "incoming"), (5, "incoming"), (12, "incoming")],
)
def test_status_computed_by_database(uni, terms, status):
    student = Student.objects.create(id=f"s-{terms}", name="S", university=uni, terms_remaining=terms)
    assert Student.objects.get(pk=student.pk).status == status
    # And it follows a change made behind the ORM's back (a bulk update).
    Student.objects.filter(pk=student.pk).update(terms_remaining=(terms + 2) % 6)
    expected = {0: "outgoing", 1: "outgoing", 2: "established", 3: "established", 4: "incoming", 5: "incoming"}[(terms + 2) % 6]
    assert Student.objects.get(pk=student.pk).status == expected


def test_status_filterable_in_sql(uni):
    for terms in range(6):
        Student.objects.create(id=f"s-{terms}", name="S", university=uni, terms_remaining=terms)
    assert sorted(Student.objects.filter(status="established").values_list("terms_remaining", flat=True)) == [2, 3]


def test_status_cannot_be_written_by_orm(student):
    # Django leaves generated columns out of UPDATE: the value never reaches the table.
    Student.objects.filter(pk=student.pk).update(status="outgoing")
    assert Student.objects.get(pk=student.pk).status == "incoming"
    student.status = "established"
    student.terms_remaining = 0
    student.save()
    student.refresh_from_db()
    assert student.status == "outgoing"


def test_status_cannot_be_written_in_sql(student):
    def write():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE students SET status = %s WHERE id = %s", ["incoming", student.pk])

    refused(write, DatabaseError)
    student.refresh_from_db()
    assert student.status == "incoming"  # 4 terms: unchanged by the refused write


# ------------------------------------------------------------------ projects


def test_project_collaborative_iff_no_university(uni):
    # save() derives the flag...
    collab = Project.objects.create(id="collab", name="Collab", is_collaborative=False)
    own = Project.objects.create(id="own", name="Own", university=uni, is_collaborative=True)
    assert (collab.is_collaborative, own.is_collaborative) == (True, False)
    # ...and the database refuses any write that breaks it.
    refused(lambda: Project.objects.filter(pk="collab").update(is_collaborative=False))
    refused(lambda: Project.objects.filter(pk="own").update(is_collaborative=True))
    refused(lambda: Project.objects.filter(pk="own").update(university=None))
    refused(lambda: Project.objects.bulk_create([Project(id="bulk", name="Bulk", university=None, is_collaborative=False)]))


@pytest.mark.parametrize("duration", [0])
def test_project_duration_positive(duration):
    refused(lambda: Project.objects.create(id="p0", name="P", duration=duration))
    refused(lambda: Project.objects.create(id="pneg", name="P", duration=-5))


# ------------------------------------------------------------------ deletes


def test_university_with_records_is_protected(student, uni):
    with pytest.raises(ProtectedError):
        uni.delete()
    assert University.objects.filter(pk=uni.pk).exists()


def test_project_with_teams_is_protected(uni):
    team = TeamFactory(id="t1", university=uni)
    with pytest.raises(ProtectedError):
        team.project.delete()


def test_university_with_teams_is_protected_from_queryset_delete(uni):
    TeamFactory(id="t1", university=uni)
    with pytest.raises(ProtectedError):
        University.objects.filter(pk=uni.pk).delete()


def test_faculty_advising_students_cannot_be_deleted(student, uni):
    advisor = FacultyFactory(id="adv", university=uni)
    student.advisor = advisor
    student.save()
    with pytest.raises(RestrictedError):
        advisor.delete()
    assert Faculty.objects.filter(pk="adv").exists()
    student.advisor = None
    student.save()
    advisor.delete()
    assert not Faculty.objects.filter(pk="adv").exists()


def test_deleting_team_keeps_students(uni):
    team = TeamFactory(id="t1", university=uni)
    s = StudentFactory(id="s-team", university=uni, team=team)
    team.delete()
    s.refresh_from_db()
    assert s.team_id is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="raw SQL delete against a PostgreSQL foreign key")
def test_raw_sql_delete_of_referenced_university_refused(student, uni):
    def write():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("DELETE FROM universities WHERE id = %s", [uni.pk])

    refused(write)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    assert University.objects.filter(pk=uni.pk).exists()


def test_constraint_names_exist_in_database():
    """The CHECK constraints live in the database, not only in Django."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "students")
    names = set(constraints)
    for name in ["students_name_not_blank", "students_terms_remaining_range", "students_grade_range", "students_graduated_inactive"]:
        assert name in names, name
