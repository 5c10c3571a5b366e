"""The lms's permissions beyond the generated contract (tests/contract.py: every
endpoint's and changelist's refusals, scoping, audited writes and query counts):
module publishing, assignments, read-only progress, admin pages and actions, learner
pages, and the query counts of the xAPI feed and the learner pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms import services
from lms.models import Module, ModuleAnalyticsEvent, ModuleAssignment, ModuleFeedback, ModulePrerequisite, ModuleProgress, ModuleSection
from tests.fixtures.lms import complete_intro

pytestmark = pytest.mark.django_db
API = "/api/v1/lms/"


@pytest.fixture
def data(world, lms_world, ingest):
    complete_intro(ingest, world.student_a, lms_world.intro)
    complete_intro(ingest, world.student_b, lms_world.intro)
    services.feedback_submit(module=lms_world.intro, student=world.student_a, rating=5)
    services.feedback_submit(module=lms_world.intro, student=world.student_b, rating=2)
    return lms_world


def b_row(model):
    if model is ModuleAssignment:
        return model.objects.filter(student__university_id="uni_b").first()
    return model.objects.filter(student_id="student-b").first()


# Anonymous refusals, every role's list and detail scoping (students: their own rows and the
# published catalogue) and B's rows answering like missing ids are the contract's
# (tests/test_contracts.py).


def test_module_writes(world, data, client_for):
    for role, code in (("student", 403), ("faculty", 403), ("coordinator", 201), ("superuser", 201)):
        check_module_write(world, client_for, role, code)


def check_module_write(world, client_for, role, code):
    r = client_for(world.users[role]).post(f"{API}modules/", {"module_id": f"new-{role}", "title": "New"}, format="json")
    assert r.status_code == code, r.content
    if code == 201:
        mid = r.json()["id"]
        ModuleSection.objects.create(module_id=mid, section_number=1, content="x")
        pub = client_for(world.users[role]).post(f"{API}modules/{mid}/publish/")
        assert pub.status_code == 200 and pub.json()["status"] == "published"


@pytest.mark.parametrize("role", ["student", "faculty"])
def test_publish_refused_without_change_permission(world, data, client_for, role):
    assert client_for(world.users[role]).post(f"{API}modules/{data.draft.pk}/publish/").status_code == 403  # no change permission on modules


def test_prerequisite_api_refuses_cycles_with_400(world, data, client_for):
    c = client_for(world.users["coordinator"])
    r = c.post(f"{API}prerequisites/", {"module": data.intro.pk, "prerequisite_module": data.advanced.pk}, format="json")
    assert r.status_code == 400 and "cycle" in str(r.json()["prerequisite_module"])
    r = c.post(f"{API}prerequisites/", {"module": data.intro.pk, "prerequisite_module": data.intro.pk}, format="json")
    assert r.status_code == 400
    assert client_for(world.users["faculty"]).post(f"{API}prerequisites/", {"module": data.draft.pk, "prerequisite_module": data.intro.pk},
                                                   format="json").status_code == 403


def test_faculty_assign_in_their_university_only(world, data, client_for):
    c = client_for(world.users["faculty"])
    ok = c.post(f"{API}assignments/", {"module": data.advanced.pk, "team": "team-a", "due_date": "2030-01-01"}, format="json")
    assert ok.status_code == 201, ok.content
    assert ModuleAssignment.objects.filter(module=data.advanced, source_id=ok.json()["id"]).count() == 0  # student-a has it directly
    assert ok.json()["assigned_by"] == "fac-a"
    assert c.post(f"{API}assignments/", {"module": data.advanced.pk, "student": "student-b"}, format="json").status_code == 400
    assert c.post(f"{API}assignments/", {"module": data.advanced.pk, "team": "team-b"}, format="json").status_code == 400
    r = c.post(f"{API}assignments/", {"module": data.advanced.pk, "university": "uni_b"}, format="json")
    assert r.status_code == 403 and not ModuleAssignment.objects.filter(university_id="uni_b").exists()
    assert c.post(f"{API}assignments/", {"module": data.advanced.pk, "assignment_rule": "all_students"}, format="json").status_code == 403
    bad = c.post(f"{API}assignments/", {"module": data.advanced.pk, "student": "student-a", "team": "team-a"}, format="json")
    assert bad.status_code == 400
    b = b_row(ModuleAssignment)
    assert c.patch(f"{API}assignments/{b.pk}/", {"due_date": "2030-01-01"}, format="json").status_code == 404
    assert client_for(world.users["student"]).post(f"{API}assignments/", {"module": data.advanced.pk, "student": "student-a"},
                                                   format="json").status_code == 403


@pytest.mark.parametrize("role,code", [("faculty", 403), ("coordinator", 405)])
def test_progress_is_read_only(world, data, client_for, role, code):
    """Faculty lack the change permission (403, checked first); coordinators hold it and
    meet the read-only endpoint (405). Progress is written by the event service only."""
    p = ModuleProgress.objects.filter(student_id="student-a").first()
    c = client_for(world.users[role])
    assert c.patch(f"{API}progress/{p.pk}/", {"progress_percent": 1}, format="json").status_code == code
    assert c.post(f"{API}progress/", {}, format="json").status_code == code
    p.refresh_from_db()
    assert p.progress_percent == 100


# ------------------------------------------------------------------ admin

ADMIN_MODELS = ["module", "modulesection", "moduleprerequisite", "moduleassignment", "moduleprogress", "moduleanalyticsevent", "modulefeedback",
                "notification", "learnersettings"]
READ_ONLY = {"moduleprogress", "moduleanalyticsevent", "modulefeedback", "notification", "learnersettings"}
ADDABLE = {"faculty": {"moduleassignment"}, "coordinator": set(ADMIN_MODELS) - READ_ONLY}
ADDABLE["superuser"] = ADDABLE["coordinator"]


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_admin_pages(world, data, login_client, model):
    for role in ("anonymous", "student", "faculty", "coordinator", "superuser"):
        check_admin(world, login_client, model, role)


def check_admin(world, login_client, model, role):
    c = login_client(world.users[role])
    r = c.get(f"/admin/lms/{model}/")
    if role in ("anonymous", "student"):
        assert r.status_code == 302 and "/admin/login/" in r["Location"]
        return
    assert r.status_code == 200
    body = r.content.decode()
    if role == "faculty" and model in ("moduleprogress", "moduleanalyticsevent", "moduleassignment", "notification"):
        assert "Bob B" not in body and "Alice A" in body
    add = c.get(f"/admin/lms/{model}/add/")
    assert add.status_code == (200 if model in ADDABLE[role] else 403)


def test_admin_search_on_big_tables(world, data, login_client):
    c = login_client(world.users["faculty"])
    body = c.get("/admin/lms/moduleprogress/", {"q": "Bob"}).content.decode()
    assert "Bob B" not in body
    body = c.get("/admin/lms/moduleprogress/", {"q": "Alice"}).content.decode()
    assert "Alice A" in body
    body = login_client(world.users["coordinator"]).get("/admin/lms/moduleanalyticsevent/", {"q": "intro"}).content.decode()
    assert "Bob B" in body and "Alice A" in body


def test_admin_publish_archive_and_bulk_assign(world, data, login_client):
    c = login_client(world.users["coordinator"])
    r = c.post("/admin/lms/module/", {"action": "publish_action", "_selected_action": [data.draft.pk]})
    assert r.status_code == 302
    data.draft.refresh_from_db()
    assert data.draft.status == "published"
    c.post("/admin/lms/module/", {"action": "archive_action", "_selected_action": [data.draft.pk]})
    data.draft.refresh_from_db()
    assert data.draft.status == "archived"
    form = c.post("/admin/lms/module/", {"action": "bulk_assign_action", "_selected_action": [data.advanced.pk]})
    assert form.status_code == 200 and b"Assign modules" in form.content
    r = c.post("/admin/lms/module/", {"action": "bulk_assign_action", "_selected_action": [data.advanced.pk], "apply": "1",
                                      "universities": ["uni_b"], "assignment_type": "required", "assignment_rule": ""})
    assert r.status_code == 302
    assert ModuleAssignment.objects.filter(module=data.advanced, student=world.student_b, auto_assigned=True).exists()
    # Faculty may bulk-assign to their own teams only.
    f = login_client(world.users["faculty"])
    page = f.post("/admin/lms/module/", {"action": "bulk_assign_action", "_selected_action": [data.advanced.pk]}).content.decode()
    assert "team-a" in page or "Team" in page
    assert 'value="team-b"' not in page and 'value="uni_b"' not in page


def test_admin_module_with_sections_inline_bumps_revision(world, data, login_client):
    c = login_client(world.users["coordinator"])
    url = f"/admin/lms/module/{data.intro.pk}/change/"
    page = c.get(url)
    assert page.status_code == 200 and b"Section 1" in page.content
    sections = list(data.intro.sections.order_by("section_number"))
    post = {
        "module_id": "intro", "title": "Intro", "status": "published", "estimated_minutes": 5, "difficulty_level": 1, "module_type": "text",
        "target_audience": "incoming_students", "tags": "[]", "required_components": "[]", "related_modules": "[]", "adaptive_config": "null",
        "sections-TOTAL_FORMS": len(sections), "sections-INITIAL_FORMS": len(sections), "sections-MIN_NUM_FORMS": 0, "sections-MAX_NUM_FORMS": 1000,
        "prerequisite_links-TOTAL_FORMS": 0, "prerequisite_links-INITIAL_FORMS": 0, "prerequisite_links-MIN_NUM_FORMS": 0,
        "prerequisite_links-MAX_NUM_FORMS": 1000,
    }
    for i, s in enumerate(sections):
        post.update({f"sections-{i}-id": s.pk, f"sections-{i}-module": data.intro.pk, f"sections-{i}-section_number": s.section_number,
                     f"sections-{i}-section_type": s.section_type, f"sections-{i}-title": s.title, f"sections-{i}-content": s.content + " edited",
                     f"sections-{i}-media_url": "", f"sections-{i}-duration_seconds": "",
                     f"sections-{i}-section_config": "null", f"sections-{i}-completion_criteria": __import__("json").dumps(s.completion_criteria)})
    r = c.post(url, post)
    assert r.status_code == 302, r.content.decode()[:3000]
    data.intro.refresh_from_db()
    assert data.intro.revision == 2
    assert ModuleProgress.objects.get(module=data.intro, student=world.student_a).status == "completed"


# ------------------------------------------------------------------ learner and staff pages

PAGES = {
    "/learn/": {"anonymous": 302, "student": 200, "faculty": 302, "coordinator": 302, "superuser": 302},
    "/learn/catalogue/": {"anonymous": 302, "student": 200, "faculty": 403, "coordinator": 403, "superuser": 403},
    "/learn/m/intro/": {"anonymous": 302, "student": 200, "faculty": 403, "coordinator": 403, "superuser": 403},
    "/learn/m/intro/state/": {"anonymous": 302, "student": 200, "faculty": 403, "coordinator": 403, "superuser": 403},
    "/learn/m/intro/feedback/": {"anonymous": 302, "student": 200, "faculty": 403, "coordinator": 403, "superuser": 403},
    "/learn/staff/": {"anonymous": 302, "student": 403, "faculty": 200, "coordinator": 200, "superuser": 200},
    "/learn/staff/intro/": {"anonymous": 302, "student": 403, "faculty": 200, "coordinator": 200, "superuser": 200},
}


@pytest.mark.parametrize("url", list(PAGES))
def test_pages_per_role(world, data, login_client, url):
    got = {role: login_client(world.users[role]).get(url).status_code for role in PAGES[url]}
    assert got == PAGES[url]


def test_staff_dashboard_is_scoped(world, data, login_client, ingest):
    from lms.models import ModuleAssignment

    ModuleAssignment.objects.filter(module=data.advanced).update(due_date="2020-01-01")
    services.assignment_create(module=data.advanced, student=world.student_b, due_date="2020-01-01")
    fac = login_client(world.users["faculty"]).get("/learn/staff/advanced/").content.decode()
    assert "Alice A" in fac and "Bob B" not in fac
    coord = login_client(world.users["coordinator"]).get("/learn/staff/advanced/").content.decode()
    assert "Alice A" in coord and "Bob B" in coord and "<svg" in coord


# ------------------------------------------------------------------ query counts


def populate(world, n):
    from datetime import UTC, datetime

    mods = Module.objects.bulk_create([Module(module_id=f"q-{i}", title=f"Q {i}", status="published") for i in range(n)])
    ModuleSection.objects.bulk_create([ModuleSection(module=m, section_number=1, content="x") for m in mods])
    ModulePrerequisite.objects.bulk_create([ModulePrerequisite(module=mods[i], prerequisite_module=mods[i - 1]) for i in range(1, n)])
    ModuleAssignment.objects.bulk_create([ModuleAssignment(module=m, student=world.student_a) for m in mods])
    ModuleProgress.objects.bulk_create([ModuleProgress(module=m, student=world.student_a) for m in mods])
    now = datetime.now(UTC)
    ModuleAnalyticsEvent.objects.bulk_create([ModuleAnalyticsEvent(module=m, student=world.student_a, event_type="click", timestamp=now) for m in mods])
    ModuleFeedback.objects.bulk_create([ModuleFeedback(module=m, student=world.student_a, rating=3) for m in mods])


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, r.content[:500]
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["student", "faculty", "coordinator"])
def test_xapi_statements_query_count_does_not_grow(world, client_for, role):
    """The model endpoints' and changelists' counts are the contract's (tests/test_contracts.py)."""
    url = f"{API}xapi/statements"
    populate(world, 2)
    c = client_for(world.users[role])
    count_queries(c, url)  # warm caches (content types, permissions)
    few = count_queries(c, url)
    Module.objects.all().delete()
    populate(world, 50)
    assert count_queries(c, url) == few


@pytest.mark.parametrize("url", ["/learn/", "/learn/catalogue/"])
def test_learner_pages_query_count_does_not_grow(world, login_client, url):
    populate(world, 2)
    c = login_client(world.users["student"])
    count_queries(c, url)
    one = count_queries(c, url)
    Module.objects.all().delete()
    populate(world, 50)
    assert count_queries(c, url) == one


# Every lms model has a contract and every route's model names it: tests/test_meta.py.
