"""Staff onboarding and pages in a real browser: a coordinator imports an advisor and
a students spreadsheet with "Create logins and invite", a student sets a password from
the e-mailed link and logs in; the student page; an admin History; the styled 404."""

import re

import pytest
from django.core import mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"https?://[^/\s]+(/accounts/set-password/\S+/)")


def import_with_logins(page, live_server, model, path):
    page.goto(f"{live_server.url}/admin/frames/{model}/import/")
    page.set_input_files("#id_import_file", str(path))
    page.select_option("#id_format", label="csv")
    page.check("#id_create_logins")
    page.get_by_role("button", name="Submit").click()
    page.get_by_role("button", name="Confirm import").click()
    page.wait_for_selector(".messagelist")
    return page.locator(".messagelist").inner_text()


def test_coordinator_onboards_an_advisor_and_students_who_log_in(world, live_server, page, browser_login, tmp_path):
    from frames.models import Faculty, Student
    from frames.roles import sync_role_permissions

    sync_role_permissions()  # transactional tests flush the groups' permissions
    browser_login(page, live_server, world.users["coordinator"].username)
    advisors = tmp_path / "advisors.csv"
    advisors.write_text("id,name,university,email,role\nfac-new,Dr. Ada Orbit,uni_a,ada@example.edu,Faculty Advisor\n")
    assert "Logins: 1 login created, 1 invitation sent." in import_with_logins(page, live_server, "faculty", advisors)
    students = tmp_path / "students.csv"
    rows = "".join(f"s-new-{i},Student New {i},uni_a,fac-new,new{i}@example.edu\n" for i in range(30))
    students.write_text("id,name,university,advisor,email\n" + rows)
    assert "Logins: 30 logins created, 30 invitations sent." in import_with_logins(page, live_server, "student", students)
    assert Faculty.objects.get(pk="fac-new").user.is_staff
    assert Student.objects.filter(pk__startswith="s-new-", user__isnull=False, advisor_id="fac-new").count() == 30
    assert len(mail.outbox) == 31

    # A student follows the link in their e-mail, chooses a password and logs in.
    page.context.clear_cookies()
    message = next(m for m in mail.outbox if m.to == ["new7@example.edu"])
    page.goto(live_server.url + LINK.search(message.body).group(1))
    assert page.get_by_role("heading", name="Choose your password").is_visible()
    page.get_by_label("New password", exact=True).fill("ground-station-31")
    page.get_by_label("New password again").fill("ground-station-31")
    page.get_by_role("button", name="Set my password").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert "Your password is set" in page.content()
    browser_login(page, live_server, "new7@example.edu", "ground-station-31")
    assert page.url == f"{live_server.url}/"
    assert page.get_by_role("button", name=re.compile("Log out")).is_visible()


def test_student_page_history_and_404(world, live_server, page, browser_login, screenshot, make_module):
    import datetime

    from frames.models import AuditLog
    from frames.roles import sync_role_permissions
    from frames.services import instance_save
    from lms.models import ModuleAssignment, ModuleProgress

    sync_role_permissions()
    student = world.student_a
    for i, title in enumerate(("Lab safety", "Power budget basics")):
        module = make_module(f"staff-mod-{i}", title=title)
        ModuleAssignment.objects.create(module=module, student=student, due_date=datetime.date(2027, 2, 1 + i))
        ModuleProgress.objects.create(module=module, student=student, status="in_progress", progress_percent=40 + 30 * i)
    from basecamp.models import SkillTarget
    from tests.fixtures.analytics import make_interface

    SkillTarget.objects.create(student=student, skill_name="Systems thinking", assigned_by=world.fac_a)
    make_interface("int-mentor", "faculty", world.fac_a, "student", student, energy_loss=15)
    student.role, student.expertise_area = "Power lead", "Electrical"
    instance_save(instance=student, user=world.users["coordinator"], source=AuditLog.Source.ADMIN)
    browser_login(page, live_server, world.users["faculty"].username)

    page.goto(f"{live_server.url}/admin/frames/student/")
    page.get_by_role("row", name=re.compile("Alice A")).get_by_role("link", name="Student page").click()
    assert page.get_by_role("heading", name="Alice A").is_visible()
    assert page.get_by_role("cell", name="Power budget basics").is_visible()
    assert page.get_by_role("cell", name="2027-02-02").is_visible()
    screenshot(page, "staff-student-page")

    page.locator("#content-main").get_by_role("link", name="History", exact=True).click()
    assert page.get_by_role("heading", name=re.compile("History: Alice A")).is_visible()
    assert "Power lead" in page.locator(".audit-rows").inner_text()
    screenshot(page, "admin-history")

    response = page.goto(f"{live_server.url}/staff/students/student-b/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Nothing here").is_visible()
    assert page.get_by_role("link", name="Back to the administration").is_visible()
