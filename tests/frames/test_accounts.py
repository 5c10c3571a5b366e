"""Login accounts: coordinators' user management (never superusers', staff members' or
other coordinators' accounts or passwords; faculty none), creating logins and
invitations (frames/accounts.py: the service, the bulk admin action, the import's
opt-in), the set-password link, and the password pages in the site's own look."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from frames.accounts import accounts_for_people
from frames.models import AgentLog, AuditLog, Faculty, Student
from tests.factories import FacultyFactory, StudentFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
LINK = re.compile(r"https?://[^/\s]+(/accounts/set-password/[^/\s]+/[^/\s]+/)")


def link_in(message):
    return LINK.search(message.body).group(1)


# ------------------------------------------------------------------ the service


def test_creates_linked_accounts_and_invites(world, run_on_commit):
    new_student = StudentFactory(id="s-new", name="Nora New", university=world.uni_a, email="Nora.New@Example.edu")
    new_faculty = FacultyFactory(id="f-new", name="Dr. Fay", university=world.uni_a, email="fay@example.edu")
    coordinator = world.users["coordinator"]
    with run_on_commit():
        report = accounts_for_people([new_student, new_faculty], coordinator)
        assert not mail.outbox  # the e-mails wait for the commit
    assert report.created == [new_student, new_faculty] and report.invited == [new_student, new_faculty] and not report.skipped
    student_account = Student.objects.get(pk="s-new").user
    assert student_account.username == "nora.new@example.edu" and not student_account.has_usable_password()
    assert not student_account.is_staff and (student_account.first_name, student_account.last_name) == ("Nora", "New")
    faculty_account = Faculty.objects.get(pk="f-new").user
    assert faculty_account.is_staff and list(faculty_account.groups.values_list("name", flat=True)) == ["Faculty"]
    assert sorted(m.to[0] for m in mail.outbox) == ["fay@example.edu", "nora.new@example.edu"]
    assert all(LINK.search(m.body) for m in mail.outbox)
    # Audited with the acting user: the account (no password hash), the link on the record, the invitation.
    created = AuditLog.objects.get(table_name="auth_user", object_id=str(student_account.pk), action="create")
    assert created.user == coordinator and created.changes["username"] == [None, "nora.new@example.edu"]
    assert created.changes["linked_to"] == [None, "students:s-new"] and "password" not in created.changes
    linked = AuditLog.objects.get(table_name="students", object_id="s-new")
    assert linked.changes == {"user_id": [None, student_account.pk]} and linked.actor == coordinator.username
    invited = AuditLog.objects.filter(table_name="auth_user", object_id=str(student_account.pk), action="update").get()
    assert list(invited.changes) == ["invitation_sent"] and invited.user == coordinator


def test_skips_with_reasons_and_never_takes_over_an_account(world, run_on_commit):
    no_email = StudentFactory(id="s-none", university=world.uni_a, email=None)
    UserFactory(username="taken@example.edu")
    clash = StudentFactory(id="s-clash", university=world.uni_a, email="taken@example.edu")
    already = world.student_a  # has a login with a usable password
    with run_on_commit():
        report = accounts_for_people([no_email, clash, already], world.users["superuser"])
    assert report.created == [] and report.invited == []
    reasons = {record.pk: reason for record, reason in report.skipped}
    assert reasons == {
        "s-none": "no e-mail address",
        "s-clash": "the username taken@example.edu already belongs to another account",
        "student-a": "already has a password (the person can use 'Forgot your password?')",
    }
    assert Student.objects.get(pk="s-clash").user_id is None and not mail.outbox


def test_reinvites_who_never_set_a_password_without_a_second_account(world, run_on_commit):
    person = StudentFactory(id="s-re", university=world.uni_a, email="re@example.edu")
    with run_on_commit():
        accounts_for_people([person], None)
    person.refresh_from_db()
    with run_on_commit():
        report = accounts_for_people([person], None)
    assert report.created == [] and report.invited == [person]
    assert User.objects.filter(username="re@example.edu").count() == 1 and len(mail.outbox) == 2


def test_faculty_may_not_create_logins(world):
    person = StudentFactory(id="s-f", university=world.uni_a, email="f@example.edu")
    with pytest.raises(PermissionDenied):
        accounts_for_people([person], world.users["faculty"])
    assert not User.objects.filter(username="f@example.edu").exists()


# ------------------------------------------------------------------ the set-password link and the pages


def test_set_password_link_works_once_and_is_audited(world, client, run_on_commit):
    person = StudentFactory(id="s-pw", name="Pat Word", university=world.uni_a, email="pat@example.edu")
    with run_on_commit():
        accounts_for_people([person], world.users["coordinator"])
    url = link_in(mail.outbox[0])
    page = client.get(url, follow=True)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Choose your password" in body and "pat@example.edu" in body and "Django administration" not in body
    form_url = page.redirect_chain[-1][0]
    weak = client.post(form_url, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    done = client.post(form_url, {"new_password1": "orbit-velocity-42", "new_password2": "orbit-velocity-42"})
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    account = User.objects.get(username="pat@example.edu")
    assert account.check_password("orbit-velocity-42")
    row = AuditLog.objects.filter(table_name="auth_user", object_id=str(account.pk), changes__has_key="password").get()
    assert row.user == account and row.source == AuditLog.Source.PAGE and "orbit" not in str(row.changes)
    logged_in = client.post("/accounts/login/", {"username": "pat@example.edu", "password": "orbit-velocity-42"})
    assert logged_in.status_code == 302 and logged_in["Location"] == "/"
    client.post("/accounts/logout/")
    spent = client.get(url, follow=True)
    assert spent.status_code == 200 and "This link no longer works" in spent.content.decode()


def test_forgot_password_reaches_invited_people(world, client):
    person = StudentFactory(id="s-fp", university=world.uni_a, email="lost@example.edu")
    accounts_for_people([person], world.users["coordinator"], send_invites=False)
    form = client.get("/accounts/password_reset/")
    assert form.status_code == 200 and "Forgot your password?" in form.content.decode()
    assert "Django administration" not in form.content.decode()
    response = client.post("/accounts/password_reset/", {"email": "LOST@example.edu"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert [m.to for m in mail.outbox] == [["lost@example.edu"]]
    assert "/accounts/reset/" in mail.outbox[0].body
    assert "Check your e-mail" in client.get("/accounts/password_reset/done/").content.decode()


def test_password_change_page_in_site_look(world, login_client):
    client = login_client(world.users["student"])
    page = client.get("/accounts/password_change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Change your password" in body and "Django administration" not in body and "site-header" in body
    response = client.post("/accounts/password_change/", {
        "old_password": "pw-for-tests-only", "new_password1": "telemetry-frame-77", "new_password2": "telemetry-frame-77"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_change/done/"
    assert AuditLog.objects.filter(table_name="auth_user", object_id=str(world.users["student"].pk), changes__has_key="password").exists()


# ------------------------------------------------------------------ user management in the admin


def test_coordinator_manages_learner_accounts_only(world, login_client):
    client = login_client(world.users["coordinator"])
    assert client.get("/admin/auth/user/").status_code == 200
    learner = world.users["student"]
    assert client.get(f"/admin/auth/user/{learner.pk}/change/").status_code == 200
    assert client.get(f"/admin/auth/user/{learner.pk}/password/").status_code == 200
    for other in (world.users["superuser"], world.users["faculty"]):
        page = client.get(f"/admin/auth/user/{other.pk}/change/")
        assert page.status_code == 200 and 'name="username"' not in page.content.decode()  # view only
        assert client.get(f"/admin/auth/user/{other.pk}/password/").status_code == 403
        assert client.post(f"/admin/auth/user/{other.pk}/password/", {"password1": "x-Y-z-12345!", "password2": "x-Y-z-12345!"}).status_code == 403
    superuser = User.objects.get(pk=world.users["superuser"].pk)
    assert superuser.check_password("pw-for-tests-only")


def test_coordinator_cannot_grant_admin_rights(world, login_client):
    client = login_client(world.users["coordinator"])
    learner = world.users["student"]
    page = client.get(f"/admin/auth/user/{learner.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="is_staff"' not in page and 'name="groups"' not in page
    response = client.post(f"/admin/auth/user/{learner.pk}/change/", {
        "username": learner.username, "email": "new@example.edu", "first_name": "", "last_name": "", "is_active": "on",
        "is_superuser": "on", "is_staff": "on"})
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.email == "new@example.edu" and not learner.is_superuser and not learner.is_staff
    row = AuditLog.objects.get(table_name="auth_user", object_id=str(learner.pk))
    assert row.changes == {"email": ["", "new@example.edu"]} and row.user == world.users["coordinator"]


def test_faculty_have_no_user_management(world, login_client):
    client = login_client(world.users["faculty"])
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get(f"/admin/auth/user/{world.users['student'].pk}/change/").status_code == 403


def test_user_autocomplete_works_for_coordinators(world, login_client):
    url = "/admin/autocomplete/?app_label=frames&model_name=student&field_name=user&term=user"
    response = login_client(world.users["coordinator"]).get(url)
    assert response.status_code == 200 and response.json()["results"]
    assert login_client(world.users["faculty"]).get(url).status_code == 403


def test_advanced_by_link_opens_for_coordinators(world, login_client):
    from frames.services import term_advance

    rotation = term_advance(term="Fall 2031", user=world.users["superuser"]).rotation
    client = login_client(world.users["coordinator"])
    page = client.get(f"/admin/frames/termrotation/{rotation.pk}/change/").content.decode()
    href = f"/admin/auth/user/{world.users['superuser'].pk}/change/"
    assert href in page and client.get(href).status_code == 200


def test_bulk_action_creates_logins_and_invites(world, login_client, run_on_commit):
    StudentFactory(id="s-act", university=world.uni_a, email="act@example.edu")
    client = login_client(world.users["coordinator"])
    with run_on_commit():
        response = client.post("/admin/frames/student/", {"action": "create_logins", "_selected_action": ["s-act", "student-a"]},
                               follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "1 login created, 1 invitation sent, 1 skipped" in body and "already has a password" in body
    assert Student.objects.get(pk="s-act").user.username == "act@example.edu" and [m.to for m in mail.outbox] == [["act@example.edu"]]
    # Faculty are not offered the action, and posting it anyway does nothing.
    faculty = login_client(world.users["faculty"])
    assert "create_logins" not in faculty.get("/admin/frames/student/").content.decode()
    with run_on_commit():
        faculty.post("/admin/frames/student/", {"action": "create_logins", "_selected_action": ["student-a"]})
    assert len(mail.outbox) == 1


def _import(client, url, csv_text, create_logins):
    data = {"import_file": SimpleUploadedFile("people.csv", csv_text.encode(), content_type="text/csv"), "format": "0"}
    if create_logins:
        data["create_logins"] = "on"
    preview = client.post(url, data)
    assert preview.status_code == 200, preview.content.decode()[:2000]
    form = preview.context["confirm_form"]
    fields = {name: form.initial.get(name, "") for name in form.fields}
    return client.post(url.replace("/import/", "/process_import/"), {**fields, "confirm": "Confirm import"}, follow=True)


def test_import_with_create_logins(world, login_client, run_on_commit):
    client = login_client(world.users["coordinator"])
    csv_text = "id,name,university,email\ns-i1,Ivy One,uni_a,ivy@example.edu\ns-i2,Ian Two,uni_a,\n"
    with run_on_commit():
        response = _import(client, "/admin/frames/student/import/", csv_text, create_logins=True)
    body = response.content.decode()
    assert response.status_code == 200 and "Logins: 1 login created, 1 invitation sent, 1 skipped" in body
    assert Student.objects.get(pk="s-i1").user.username == "ivy@example.edu" and Student.objects.get(pk="s-i2").user_id is None
    assert [m.to for m in mail.outbox] == [["ivy@example.edu"]]
    assert AuditLog.objects.filter(table_name="auth_user", source=AuditLog.Source.IMPORT, user=world.users["coordinator"]).count() == 2


def test_import_without_the_choice_creates_no_logins(world, login_client, run_on_commit):
    client = login_client(world.users["coordinator"])
    with run_on_commit():
        response = _import(client, "/admin/frames/faculty/import/", "id,name,university,email\nf-i1,Dr. Imp,uni_a,imp@example.edu\n",
                           create_logins=False)
    assert response.status_code == 200 and Faculty.objects.get(pk="f-i1").user_id is None and not mail.outbox
    # Faculty do not see the choice at all.
    assert "create_logins" not in login_client(world.users["faculty"]).get("/admin/frames/student/import/").content.decode()


def test_a_job_sized_import_creates_logins_too(world, login_client, run_on_commit, settings, tmp_path):
    """Above IMPORT_JOB_THRESHOLD_ROWS the confirm step hands the file to an import_records job
    (inline here): the "Create logins and invite" choice goes with it, and the job's page says
    what it did."""
    settings.JOBS_FILES_DIR, settings.IMPORT_JOB_THRESHOLD_ROWS = str(tmp_path), 2
    client = login_client(world.users["coordinator"])
    rows = "".join(f"s-j{i},Jo Number{i},uni_a,jo{i}@example.edu\n" for i in range(3))
    with run_on_commit():
        response = _import(client, "/admin/frames/student/import/", "id,name,university,email\n" + rows, create_logins=True)
    job = AgentLog.objects.get(agent_name="import_records")
    assert response.redirect_chain[-1][0] == f"/admin/frames/agentlog/{job.pk}/change/"
    assert job.status == "succeeded" and job.arguments["options"] == {"create_logins": True}
    assert "Logins: 3 logins created, 3 invitations sent." in job.message and job.result["notes"] == ["Logins: 3 logins created, 3 invitations sent."]
    assert sorted(m.to[0] for m in mail.outbox) == ["jo0@example.edu", "jo1@example.edu", "jo2@example.edu"]
    assert all(LINK.search(m.body) for m in mail.outbox)
    assert [s.user.username for s in Student.objects.filter(pk__startswith="s-j").select_related("user").order_by("pk")] == [
        "jo0@example.edu", "jo1@example.edu", "jo2@example.edu"]
    logins = AuditLog.objects.filter(table_name="auth_user", source=AuditLog.Source.IMPORT, user=world.users["coordinator"])
    assert logins.filter(action="create").count() == 3 and logins.filter(action="update", changes__has_key="invitation_sent").count() == 3


def test_an_import_that_rolls_back_invites_nobody(world, run_on_commit):
    from frames.imports import run_import
    from frames.resources import StudentResource

    data = "id,name,university,email\ns-ok,Ok Person,uni_a,ok@example.edu\ns-bad,Bad Person,no-such-university,bad@example.edu\n"
    with run_on_commit():
        report = run_import(resource_class=StudentResource, data=data.encode(), file_format="csv", user=world.users["coordinator"],
                            options={"create_logins": True})
    assert report.errors and not report.notes
    assert not Student.objects.filter(pk="s-ok").exists() and not User.objects.filter(username="ok@example.edu").exists()
    assert not mail.outbox


def test_a_forged_create_logins_from_faculty_does_nothing(world, login_client, run_on_commit):
    client = login_client(world.users["faculty"])
    url = "/admin/frames/student/import/"
    upload = SimpleUploadedFile("people.csv", b"id,name,university,email\ns-fg,Fo Rged,uni_a,forged@example.edu\n", content_type="text/csv")
    preview = client.post(url, {"import_file": upload, "format": "0"})
    assert preview.status_code == 200
    form = preview.context["confirm_form"]
    fields = {name: form.initial.get(name, "") for name in form.fields}
    with run_on_commit():
        response = client.post(url.replace("/import/", "/process_import/"), {**fields, "create_logins": "on", "confirm": "Confirm import"})
    assert response.status_code == 302
    assert Student.objects.get(pk="s-fg").user_id is None and not mail.outbox


def _people(world, n, tag):
    students = [StudentFactory(id=f"s-{tag}{i}", name=f"Stu Dent{i}", university=world.uni_a, email=f"s{tag}{i}@example.edu") for i in range(n)]
    faculty = [FacultyFactory(id=f"f-{tag}{i}", name=f"Fac Ulty{i}", university=world.uni_a, email=f"f{tag}{i}@example.edu") for i in range(n)]
    return students + faculty


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite splits a bulk insert at 999 variables: the count grows there by design")
def test_creating_logins_costs_the_same_queries_for_2_or_40_people(world, run_on_commit):
    """Set-wise: the usernames looked up once, the accounts, their group rows, the links and
    the audit rows each written in one statement, whatever the number of people."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    coordinator, counts = world.users["coordinator"], {}
    accounts_for_people([], coordinator)  # the role, read once per user object (frames.roles)
    for n, tag in ((1, "a"), (20, "b")):
        people = _people(world, n, tag)
        with run_on_commit(), CaptureQueriesContext(connection) as ctx:
            report = accounts_for_people(people, coordinator)
        assert len(report.created) == len(report.invited) == 2 * n
        counts[n] = len(ctx.captured_queries)
    assert counts[1] == counts[20] and counts[20] <= 12, counts
    assert len(mail.outbox) == 42
    assert Faculty.objects.filter(pk__startswith="f-b", user__groups__name="Faculty").count() == 20


def test_coordinator_adds_a_learner_account_audited(world, login_client):
    client = login_client(world.users["coordinator"])
    response = client.post("/admin/auth/user/add/", {"username": "walk-in", "usable_password": "false", "password1": "", "password2": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    account = User.objects.get(username="walk-in")
    assert not account.is_staff and not account.has_usable_password()
    row = AuditLog.objects.get(table_name="auth_user", object_id=str(account.pk), action="create")
    assert row.user == world.users["coordinator"] and row.changes["username"] == [None, "walk-in"] and "password" not in row.changes


def test_trained_by_is_named_not_linked_for_faculty(aworld, login_client):
    trainer = aworld.users["coordinator"]
    aworld.model.trained_by = trainer
    aworld.model.save()
    url = f"/admin/analytics/factormodel/{aworld.model.pk}/change/"
    faculty = login_client(aworld.users["faculty"]).get(url)
    assert faculty.status_code == 200
    body = faculty.content.decode()
    assert trainer.username in body and f"/admin/auth/user/{trainer.pk}/change/" not in body
    coordinator = login_client(aworld.users["coordinator"]).get(url).content.decode()
    assert f"/admin/auth/user/{trainer.pk}/change/" in coordinator
