"""Issue 15's onboarding, end to end in a real browser, the way a coordinator (not a superuser)
does it: an advisor from a CSV imported in the request, then 30 students from an .xlsx big enough
to go through the import_records job (threshold lowered here; without a broker the job runs
inline), both with "Create logins and invite". Every student gets a login and a set-password
e-mail; one follows the link, sets a password and logs in; the coordinator then opens that
student's staff page and its History."""

import re

import pytest
from django.core import mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"https?://[^/\s]+(/accounts/set-password/\S+/)")
STUDENTS = 30


def upload_with_logins(page, live_server, model, path, file_format):
    page.goto(f"{live_server.url}/admin/frames/{model}/import/")
    page.set_input_files("#id_import_file", str(path))
    page.select_option("#id_format", label=file_format)
    page.get_by_label("Create logins and invite").check()
    page.get_by_role("button", name="Submit").click()
    page.locator("#import-rows").wait_for()
    page.get_by_role("button", name="Confirm import").click()
    page.wait_for_load_state()


def students_workbook(path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["id", "name", "university", "advisor", "email"])
    for i in range(STUDENTS):
        sheet.append([f"s-on-{i:02}", f"Orbit Student {i:02}", "uni_a", "fac-on", f"Orbit.Student{i:02}@Example.edu"])
    book.save(path)


def test_coordinator_onboards_an_advisor_and_30_students_through_a_job(world, live_server, page, browser_login, tmp_path, settings):
    from frames.models import AgentLog, Faculty, Student
    from frames.roles import sync_role_permissions

    settings.IMPORT_JOB_THRESHOLD_ROWS, settings.JOBS_FILES_DIR = 10, str(tmp_path / "jobs")
    sync_role_permissions()  # transactional tests flush the groups' permissions
    coordinator = world.users["coordinator"]
    assert not coordinator.is_superuser
    problems = []
    page.on("console", lambda msg: problems.append(f"{page.url}: {msg.text}") if msg.type == "error" else None)
    browser_login(page, live_server, coordinator.username)

    # The advisor: one row, imported in the request; the message says what the logins did.
    advisors = tmp_path / "advisors.csv"
    advisors.write_text("id,name,university,email,role\nfac-on,Dr. Vera Orbit,uni_a,vera.orbit@example.edu,Faculty Advisor\n")
    upload_with_logins(page, live_server, "faculty", advisors, "csv")
    assert page.url == f"{live_server.url}/admin/frames/faculty/"
    assert "Logins: 1 login created, 1 invitation sent." in page.locator(".messagelist").inner_text()

    # The students: 30 rows, above the threshold, so the confirm step answers with the job's page.
    workbook = tmp_path / "students.xlsx"
    students_workbook(workbook)
    upload_with_logins(page, live_server, "student", workbook, "xlsx")
    job = AgentLog.objects.get(agent_name="import_records", action_type="spreadsheet_import")
    assert page.url == f"{live_server.url}/admin/frames/agentlog/{job.pk}/change/"
    assert page.locator("#job-status").inner_text() == "Succeeded"
    assert page.locator("#job-message").inner_text() == (
        f"Imported students.xlsx: {STUDENTS} created, 0 updated, 0 unchanged. "
        f"Logins: {STUDENTS} logins created, {STUDENTS} invitations sent.")

    advisor = Faculty.objects.select_related("user").get(pk="fac-on")
    assert advisor.user.username == "vera.orbit@example.edu" and advisor.user.is_staff
    students = list(Student.objects.filter(pk__startswith="s-on-").select_related("user").order_by("pk"))
    assert [(s.advisor_id, s.user.username, s.user.has_usable_password()) for s in students] == [
        ("fac-on", f"orbit.student{i:02}@example.edu", False) for i in range(STUDENTS)]
    invited = sorted(m.to[0].lower() for m in mail.outbox)
    assert invited == sorted(["vera.orbit@example.edu", *(f"orbit.student{i:02}@example.edu" for i in range(STUDENTS))])
    assert all(LINK.search(m.body) for m in mail.outbox)

    # One student follows the e-mailed link, chooses a password and logs in.
    page.context.clear_cookies()
    message = next(m for m in mail.outbox if m.to[0].lower() == "orbit.student07@example.edu")
    page.goto(live_server.url + LINK.search(message.body).group(1))
    page.get_by_label("New password", exact=True).fill("apogee-perigee-07")
    page.get_by_label("New password again").fill("apogee-perigee-07")
    page.get_by_role("button", name="Set my password").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert "Your password is set" in page.content()
    browser_login(page, live_server, "orbit.student07@example.edu", "apogee-perigee-07")
    assert page.url == f"{live_server.url}/"
    assert page.get_by_role("button", name=re.compile("Log out")).is_visible()

    # The coordinator opens that student's page from the students list, then its History.
    page.context.clear_cookies()
    browser_login(page, live_server, coordinator.username)
    page.goto(f"{live_server.url}/admin/frames/student/?q=s-on-07")
    page.get_by_role("row", name=re.compile("Orbit Student 07")).get_by_role("link", name="Student page").click()
    page.wait_for_url(f"{live_server.url}/staff/students/s-on-07/")
    assert page.get_by_role("heading", name="Orbit Student 07").is_visible()
    assert "Dr. Vera Orbit" in page.locator("#content-main").inner_text()
    page.locator("#content-main").get_by_role("link", name="History", exact=True).click()
    assert page.get_by_role("heading", name=re.compile("History: Orbit Student 07")).is_visible()
    history = page.locator(".audit-rows tbody").inner_text()
    assert coordinator.username in history and "Import" in history
    assert problems == []
