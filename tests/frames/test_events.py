"""Cross-app reactions are domain events (frames/events.py), delivered after commit in
batches: each app's reaction happens from every writer (service, admin, API, bulk
spreadsheet import, term_advance, import_legacy), its audit rows name the acting user,
and a batch costs the same queries for 1 record as for 50.

The reactions: lms gives a university rule's assignment to students who join, analytics
moves an interface's derived university with its end, cadence links a person to the
student with their e-mail."""

import pytest
from django.apps import apps
from django.db import connection
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from analytics.models import Interface
from basecamp.models import TeacherCorrection
from cadence.models import Person
from frames import events
from frames.imports import run_import
from frames.models import AuditLog, Student
from frames.resources import StudentResource
from frames.services import instance_save, term_advance
from lms import services as lms_services
from lms.models import Module, ModuleAssignment
from tests.factories import StudentFactory
from tests.fixtures.analytics import make_interface

pytestmark = pytest.mark.django_db

NEW_EMAIL = "nora@a.example.edu"


class Reactions:
    """One thing for each app to react to, and how to see that it did."""

    def __init__(self, world, make_module):
        self.world = world
        self.module = make_module("events-rule")
        self.rule = lms_services.assignment_create(module=self.module, university=world.uni_a)
        self.interface = make_interface("int-events", "student", world.student_a, "team", world.team_b)
        self.person = Person.objects.create(name="Nora New", email=NEW_EMAIL)

    def assigned(self, student_id):
        return ModuleAssignment.objects.filter(module=self.module, student_id=student_id, auto_assigned=True).exists()

    def linked_to(self):
        return Person.objects.get(pk=self.person.pk).student_id

    def interface_from(self):
        return Interface.objects.get(pk=self.interface.pk).from_university_id

    def check_joined(self, student_id, user):
        """A new student at A with the person's e-mail: assigned (lms) and linked (cadence), audited as `user`."""
        assert self.assigned(student_id)
        assert self.linked_to() == student_id
        row = ModuleAssignment.objects.get(module=self.module, student_id=student_id)
        assert audit_user(row) == user
        assert audit_user(self.person) == user

    def check_moved(self, user):
        """student-a moved to B: the interface's from end follows (analytics), audited as `user`."""
        assert self.interface_from() == "uni_b"
        assert audit_user(self.interface) == user


def audit_user(instance):
    entry = AuditLog.objects.filter(table_name=instance._meta.db_table, object_id=str(instance.pk), source=AuditLog.Source.SYSTEM).latest("id")
    return entry.user


@pytest.fixture
def reactions(world, make_module):
    return Reactions(world, make_module)


# ------------------------------------------------------------------ every writer


def test_service(reactions, world, run_on_commit):
    user = world.users["coordinator"]
    with run_on_commit():
        instance_save(instance=StudentFactory.build(id="student-nora", university=world.uni_a, team=None, email=NEW_EMAIL),
                      user=user, source=AuditLog.Source.ADMIN)
        assert not reactions.assigned("student-nora")  # nothing before commit
    reactions.check_joined("student-nora", user)
    student = Student.objects.get(pk="student-a")
    student.university, student.team = world.uni_b, None
    with run_on_commit():
        instance_save(instance=student, user=user, source=AuditLog.Source.ADMIN)
    reactions.check_moved(user)


def test_rolled_back_write_delivers_nothing(reactions, world, run_on_commit):
    from django.db import transaction

    with run_on_commit():
        with pytest.raises(RuntimeError), transaction.atomic():
            instance_save(instance=StudentFactory.build(id="student-nora", university=world.uni_a, team=None, email=NEW_EMAIL),
                          user=None, source=AuditLog.Source.ADMIN)
            raise RuntimeError
        # A later write in the same transaction is still delivered (a new batch).
        instance_save(instance=StudentFactory.build(id="student-late", university=world.uni_a, team=None), source=AuditLog.Source.ADMIN)
    assert not Student.objects.filter(pk="student-nora").exists() and reactions.linked_to() is None
    assert reactions.assigned("student-late")


STUDENT_FORM = {
    "id": "student-nora", "university": "uni_a", "team": "", "advisor": "", "name": "Nora New", "email": NEW_EMAIL, "role": "",
    "expertise_area": "", "graduation_term": "", "terms_remaining": "4", "active": "on", "grade": "", "meta": "{}",
}


def test_admin(reactions, world, login_client, run_on_commit):
    user = world.users["coordinator"]
    client = login_client(user)
    with run_on_commit():
        response = client.post("/admin/frames/student/add/", STUDENT_FORM)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    reactions.check_joined("student-nora", user)
    moved = {**STUDENT_FORM, "id": "student-a", "name": "Alice A", "email": "", "university": "uni_b"}
    with run_on_commit():
        response = client.post("/admin/frames/student/student-a/change/", moved)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    reactions.check_moved(user)


def test_api(reactions, world, client_for, run_on_commit):
    user = world.users["coordinator"]
    client = client_for(user)
    with run_on_commit():
        response = client.post("/api/v1/students/", {"id": "student-nora", "name": "Nora New", "university": "uni_a", "email": NEW_EMAIL},
                               format="json")
    assert response.status_code == 201, response.content
    reactions.check_joined("student-nora", user)
    with run_on_commit():
        response = client.patch("/api/v1/students/student-a/", {"university": "uni_b", "team": None}, format="json")
    assert response.status_code == 200, response.content
    reactions.check_moved(user)


def student_csv(rows):
    head = "id,name,university,team,email,terms_remaining\n"
    return head + "".join(f"{r['id']},{r['name']},{r['university']},{r.get('team', '')},{r.get('email', '')},{r.get('terms', 4)}\n" for r in rows)


def test_bulk_spreadsheet_import(reactions, world, run_on_commit):
    user = world.users["coordinator"]
    rows = [{"id": f"student-imp{i:02d}", "name": f"Imported {i}", "university": "uni_a"} for i in range(40)]
    rows.append({"id": "student-nora", "name": "Nora New", "university": "uni_a", "email": NEW_EMAIL})
    rows.append({"id": "student-a", "name": "Alice A", "university": "uni_b", "team": "team-b"})
    with run_on_commit() as callbacks:
        report = run_import(resource_class=StudentResource, data=student_csv(rows), file_format="csv", user=user)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (41, 1)
    assert len([c for c in callbacks if "_Batches.deliver" in getattr(c, "__qualname__", "")]) == 1  # one batch for the file
    reactions.check_joined("student-nora", user)
    assert all(reactions.assigned(r["id"]) for r in rows[:40])
    reactions.check_moved(user)


def test_refused_import_delivers_nothing(reactions, world, run_on_commit):
    rows = [{"id": "student-nora", "name": "Nora New", "university": "uni_a", "email": NEW_EMAIL},
            {"id": "student-bad", "name": "Bad", "university": "uni_a", "terms": "99"}]
    with run_on_commit():
        report = run_import(resource_class=StudentResource, data=student_csv(rows), file_format="csv", user=world.users["coordinator"])
    assert not report.ok
    assert reactions.linked_to() is None and not reactions.assigned("student-nora")


def test_term_advance(reactions, world, run_on_commit):
    """term_advance graduates with .update(); the lms still hears of it: a rule reaches active
    students only, so a graduate's rule row they never started is withdrawn, audited as the user."""
    user = world.users["coordinator"]
    with run_on_commit():
        for sid, terms in (("student-last", 1), ("student-stays", 2)):
            instance_save(instance=StudentFactory.build(id=sid, university=world.uni_a, team=None, terms_remaining=terms),
                          source=AuditLog.Source.ADMIN)
    assert reactions.assigned("student-last") and reactions.assigned("student-stays")
    with run_on_commit():
        term_advance(term="Fall 2031", user=user)
    assert Student.objects.get(pk="student-last").graduated_at is not None
    assert not reactions.assigned("student-last") and reactions.assigned("student-stays")
    entry = AuditLog.objects.get(table_name=ModuleAssignment._meta.db_table, action=AuditLog.Action.DELETE)
    assert (entry.user, entry.changes["student_id"]) == (user, ["student-last", None])


def test_import_legacy(legacy_source, world, make_module, run_on_commit):
    """import_legacy writes the registry in bulk (here the skills tracker's teachers and
    students): each batch's event still reaches the lms and cadence, audited as the importing user."""
    from frames.legacy.engine import legacy_import
    from frames.models import Faculty, University

    user = world.users["coordinator"]
    school = University.objects.create(id="school_u", name="Outreach School")
    Faculty.objects.create(id="fac-rivera", name="Ms. Rivera", email="rivera@school.org", university=school)
    module = make_module("legacy-rule")
    lms_services.assignment_create(module=module, university=school)
    person = Person.objects.create(name="Mr. Okafor", email="okafor@school.org")
    legacy_source.insert("skills.teachers", [{"id": "T001", "name": "Ms. Rivera", "email": "rivera@school.org"},
                                             {"id": "T002", "name": "Mr. Okafor", "email": "Okafor@School.org"}])
    legacy_source.insert("skills.students", [{"id": "S002", "name": "Leo Park", "grade": 8, "teacher_id": "T001"}])
    with run_on_commit():
        report = legacy_import(source_url=legacy_source.url, user=user, skills_schema="skills")
    assert report["tables"]["skills.students"]["created"] == 1, report["tables"]["skills.students"]
    student = Student.objects.get(name="Leo Park")
    row = ModuleAssignment.objects.get(module=module, student=student)  # lms: the new student's university rule
    okafor = Faculty.objects.get(email__iexact="okafor@school.org")
    assert Person.objects.get(pk=person.pk).faculty_id == okafor.pk  # cadence: the new faculty record's person
    assert audit_user(row) == user and audit_user(person) == user


# ------------------------------------------------------------------ batches are set-wise


def test_a_batch_costs_the_same_queries_for_1_and_50(world, make_module, run_on_commit):
    module = make_module("batch-rule")
    lms_services.assignment_create(module=module, university=world.uni_a)

    def deliver(prefix, n):
        Person.objects.bulk_create([Person(name=f"{prefix} {i}", name_key=f"{prefix} {i}", email=f"{prefix}{i}@a.example.edu") for i in range(n)])
        ids = [s.pk for s in Student.objects.bulk_create([
            StudentFactory.build(id=f"student-{prefix}{i:02d}", university=world.uni_a, team=None, email=f"{prefix}{i}@a.example.edu")
            for i in range(n)
        ])]
        with CaptureQueriesContext(connection) as queries, run_on_commit():
            events.students_changed(students=ids, created=ids, fields={"university", "email"}, user=world.users["coordinator"],
                                    source=AuditLog.Source.IMPORT)
        assert ModuleAssignment.objects.filter(module=module, student_id__in=ids).count() == n
        assert Person.objects.filter(student_id__in=ids).count() == n
        return [q["sql"] for q in queries.captured_queries]

    one, fifty = deliver("one", 1), deliver("fifty", 50)
    assert len(one) == len(fifty), (one, fifty)


def test_an_import_costs_the_same_queries_for_1_and_50_rows(world, make_module, run_on_commit):
    module = make_module("batch-rule")
    lms_services.assignment_create(module=module, university=world.uni_a)

    def load(prefix, n):
        Person.objects.bulk_create([Person(name=f"{prefix} {i}", name_key=f"{prefix} {i}", email=f"{prefix}{i}@a.example.edu") for i in range(n)])
        rows = [{"id": f"student-{prefix}{i:02d}", "name": f"Q {i}", "university": "uni_a", "email": f"{prefix}{i}@a.example.edu"}
                for i in range(n)]
        with CaptureQueriesContext(connection) as queries, run_on_commit():
            report = run_import(resource_class=StudentResource, data=student_csv(rows), file_format="csv", user=world.users["coordinator"])
        assert report.ok and report.created == n, report.errors
        ids = [r["id"] for r in rows]
        assert ModuleAssignment.objects.filter(module=module, student_id__in=ids).count() == n
        assert Person.objects.filter(student_id__in=ids).count() == n
        return [q["sql"] for q in queries.captured_queries]

    load("warm", 1)  # the importing user's role is looked up once, then cached on the user
    one, fifty = load("one", 1), load("fifty", 50)
    assert len(one) == len(fifty), (one, fifty)


def test_the_rule_reaction_costs_exact_queries_and_audits_each_row(world, make_module):
    """lms: the rules are read once per batch; a rule that reaches students is one INSERT ... SELECT
    (its rows' audit goes by COPY, which the capture does not list) and the notices' read and
    insert; a rule that reaches none is that INSERT alone. A student who already has the module
    keeps the one row."""
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement rule expansion and its COPY are PostgreSQL's (elsewhere the ORM's path)")
    module = make_module("exact-rule")
    rule = lms_services.assignment_create(module=module, university=world.uni_a)
    lms_services.assignment_create(module=make_module("other-uni-rule"), university=world.uni_b)
    user = world.users["coordinator"]
    ids = [s.pk for s in Student.objects.bulk_create([
        StudentFactory.build(id=f"student-exact{i:02d}", university=world.uni_a, team=None) for i in range(30)])]
    direct = ModuleAssignment.objects.create(module=module, student_id=ids[0])
    change = events.Change("students_changed", frozenset(ids), frozenset(ids), frozenset({"university"}), user, AuditLog.Source.IMPORT)
    with CaptureQueriesContext(connection) as queries:
        made = lms_services.assignments_follow_students(change)
    assert made == 29
    assert len(queries.captured_queries) == 5, [q["sql"][:80] for q in queries.captured_queries]
    rows = ModuleAssignment.objects.filter(module=module, student_id__in=ids)
    assert rows.count() == 30 and rows.filter(source=rule, auto_assigned=True).count() == 29
    assert rows.get(student_id=ids[0]) == direct
    entries = AuditLog.objects.filter(table_name=ModuleAssignment._meta.db_table, object_id__in=[str(r.pk) for r in rows.filter(source=rule)])
    assert entries.count() == 29
    entry = entries.get(object_id=str(rows.get(student_id=ids[1]).pk))
    assert (entry.user, entry.actor, entry.action, entry.source) == (user, user.username, AuditLog.Action.CREATE, AuditLog.Source.SYSTEM)
    assert entry.changes == {"student_id": [None, ids[1]], "source_id": [None, rule.pk]}
    assert entry.object_repr == str(ModuleAssignment(module_id=module.pk, student_id=ids[1]))


def test_an_import_pauses_the_garbage_collector_and_resumes_it(world):
    """An import's rows stay alive until it ends: the cyclic collector is off meanwhile
    (its full passes freed nothing and cost a quarter of the CPU; the reactions run inside
    too when the import's transaction is the outermost) and back on afterwards, whether
    the import worked or not."""
    import gc

    seen = []

    class WatchedStudentResource(StudentResource):
        def after_write(self, written):
            super().after_write(written)
            seen.append(gc.isenabled())

    assert gc.isenabled()
    report = run_import(resource_class=WatchedStudentResource, file_format="csv", user=world.users["coordinator"],
                        data=student_csv([{"id": "student-gc", "name": "G", "university": "uni_a"}]))
    assert report.ok and seen == [False] and gc.isenabled()
    bad = run_import(resource_class=WatchedStudentResource, file_format="csv", user=world.users["coordinator"],
                     data=student_csv([{"id": "student-gc2", "name": "G", "university": "nowhere"}]))
    assert not bad.ok and gc.isenabled()


def test_a_database_error_after_the_rows_rolls_the_whole_import_back(world, run_on_commit):
    """after_import runs without a savepoint of its own: a failure there (here the database
    refusing a statement) is the file's error, nothing stays written, no reaction is sent,
    and the connection is usable afterwards."""
    from django.db import connection as db

    class FailingStudentResource(StudentResource):
        def after_write(self, written):
            with db.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table_in_any_database")  # refused by PostgreSQL and SQLite alike

    with run_on_commit() as callbacks:
        report = run_import(resource_class=FailingStudentResource, file_format="csv", user=world.users["coordinator"],
                            data=student_csv([{"id": "student-late", "name": "L", "university": "uni_a"}]))
    assert not report.ok and report.errors[0].startswith("file: "), report.errors
    assert callbacks == []
    assert not Student.objects.filter(pk="student-late").exists()
    assert not AuditLog.objects.filter(table_name="students", object_id="student-late").exists()


# ------------------------------------------------------------------ the service hook (API writes through domain services)


def test_api_person_with_a_students_email_is_linked(world, client_for):
    user = world.users["coordinator"]
    Student.objects.filter(pk="student-a").update(email="alice@a.example.edu")
    response = client_for(user).post("/api/v1/cadence/people/", {"name": "Alice A", "email": "alice@a.example.edu"}, format="json")
    assert response.status_code == 201, response.content
    person = Person.objects.get(email="alice@a.example.edu")
    assert person.student_id == "student-a"
    assert audit_user(person) == user


def test_api_patch_to_published_goes_through_module_publish(world, client_for):
    """Issue 17 item 8: a coordinator cannot publish a module with no sections by PATCH."""
    module = Module.objects.create(module_id="empty", title="Empty")
    client = client_for(world.users["coordinator"])
    response = client.patch(f"/api/v1/lms/modules/{module.pk}/", {"status": "published"}, format="json")
    assert response.status_code == 400, response.content
    assert "no sections" in response.content.decode()
    assert Module.objects.get(pk=module.pk).status == "draft"
    response = client.post("/api/v1/lms/modules/", {"module_id": "new-empty", "title": "New", "status": "published"}, format="json")
    assert response.status_code == 400, response.content
    assert not Module.objects.filter(module_id="new-empty").exists()


def test_api_patch_to_published_with_sections_publishes(world, client_for, make_module):
    module = make_module("ready", published=False)
    response = client_for(world.users["coordinator"]).patch(f"/api/v1/lms/modules/{module.pk}/", {"status": "published", "title": "Ready"},
                                                            format="json")
    assert response.status_code == 200, response.content
    module.refresh_from_db()
    assert (module.status, module.title) == ("published", "Ready") and module.published_at is not None


def test_api_patch_of_a_level_writes_the_correction(skills_world, client_for):
    """Issue 17 item 8: faculty PATCH of an assessment's level is a correction, recorded."""
    assessment = skills_world.assessment_a
    original = assessment.level
    new_level = next(level for level in ("Emerging", "Developing", "Proficient", "Advanced") if level != original)
    user = skills_world.users["faculty"]
    response = client_for(user).patch(f"/api/v1/basecamp/assessments/{assessment.pk}/", {"level": new_level}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["level"] == new_level and response.json()["corrected"] is True
    correction = TeacherCorrection.objects.get(assessment=assessment)
    assert (correction.original_level, correction.corrected_level) == (original, new_level)
    assert correction.corrected_by == skills_world.fac_a
    entry = AuditLog.objects.filter(table_name=TeacherCorrection._meta.db_table, object_id=str(correction.pk)).get()
    assert (entry.user, entry.source) == (user, AuditLog.Source.API)


# ------------------------------------------------------------------ delivery


@pytest.mark.django_db(transaction=True)
def test_reactions_share_one_commit_and_a_failing_one_is_rolled_back_alone():
    """After the write commits, every subscriber runs in one transaction (one commit for all),
    each in a savepoint: a failing one loses its own rows only; the others and the write stand."""
    from django.db import transaction

    from frames.models import University

    def note(name):
        AuditLog.objects.create(action=AuditLog.Action.UPDATE, source=AuditLog.Source.SYSTEM, table_name="events_test", object_id=name)

    def fails(change):
        note("failed")
        raise RuntimeError("this reaction fails")

    events.students_changed.subscribe(fails, dispatch_uid="test.fails")
    events.students_changed.subscribe(lambda change: note("kept"), dispatch_uid="test.kept")
    try:
        university = University.objects.create(id="uni_t", name="T")
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            student = Student.objects.create(id="student-t", name="T", university=university, email="t@t.edu")
            events.students_changed(students=[student], created=[student], source=AuditLog.Source.API)
    finally:
        events.students_changed.unsubscribe("test.fails")
        events.students_changed.unsubscribe("test.kept")
    assert Student.objects.filter(pk="student-t").exists()
    assert list(AuditLog.objects.filter(table_name="events_test").values_list("object_id", flat=True)) == ["kept"]
    assert [q["sql"] for q in queries.captured_queries].count("COMMIT") == 2  # the write's, then all the reactions'


# ------------------------------------------------------------------ no app hangs on another app's save signals


def test_no_app_reacts_to_another_apps_save_signals():
    project_apps = {"frames", "analytics", "cadence", "lms", "basecamp"}
    offenders = []
    for model in apps.get_models():
        for signal in (pre_save, post_save):
            for receiver in signal._live_receivers(model)[0]:
                app = (getattr(receiver, "__module__", "") or "").split(".")[0]
                if app in project_apps and app != model._meta.app_label:
                    offenders.append(f"{signal is pre_save and 'pre' or 'post'}_save {model._meta.label} -> {receiver.__module__}.{receiver.__qualname__}")
    assert not offenders, offenders


def test_every_registry_model_with_a_reaction_has_its_event():
    assert {e.model for e in events.REGISTRY_EVENTS.values()} == {"frames.Student", "frames.Team", "frames.Faculty", "frames.Project"}
    assert "lms.assignments_follow_students" in events.students_changed.subscribers
    assert "cadence.people_follow_students" in events.students_changed.subscribers
    assert "analytics.interfaces_follow_registry" in events.students_changed.subscribers
    with pytest.raises(TypeError):
        events.students_changed(teams=["team-a"], source=AuditLog.Source.API)
