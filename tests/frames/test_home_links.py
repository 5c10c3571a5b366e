"""Home's cards come from each app's AppConfig `home_links`, shown to the roles they name."""

from django.apps import apps

from frames.views import declared_home_links


def test_home_links_are_the_apps_declarations():
    declared = {link.label: config.name for config in apps.get_app_configs() for link in getattr(config, "home_links", ())}
    assert {link.label for link in declared_home_links()} == set(declared)
    assert declared["Research analytics"] == "analytics" and declared["Skills review"] == "basecamp"


def test_home_shows_each_role_its_links(world, login_client):
    student_page = login_client(world.users["student"]).get("/")
    faculty_page = login_client(world.users["faculty"]).get("/")
    assert student_page.status_code == 200 and faculty_page.status_code == 200
    student, faculty = student_page.content.decode(), faculty_page.content.decode()
    assert "My skills" in student and "Skills review" not in student and "Research analytics" not in student
    assert "Skills review" in faculty and "Research analytics" in faculty and "Your skill levels over time" not in faculty
