"""Contracts of the registry and the logs (tests/contract.py). `grow(w, n)` adds n
rows faculty of university A may see, every relation filled."""

from frames.models import AgentLog, AuditLog, Faculty, LegacyKey, Project, Student, Team, TermRotation, University
from tests.contract import Contract


def _counter(model):
    return model._base_manager.count()


def grow_universities(w, n):
    start = _counter(University)
    University.objects.bulk_create([University(id=f"uni_g{start + i}", name=f"Grown {start + i}") for i in range(n)])


def grow_projects(w, n):
    start = _counter(Project)
    Project.objects.bulk_create([Project(id=f"proj-g{start + i}", name=f"Grown {i}", university=w.uni_a, is_collaborative=False)
                                 for i in range(n)])


def grow_teams(w, n):
    start = _counter(Team)
    Team.objects.bulk_create([Team(id=f"team-g{start + i}", name=f"Grown {i}", university=w.uni_a, project=w.program) for i in range(n)])


def grow_faculty(w, n):
    start = _counter(Faculty)
    Faculty.objects.bulk_create([Faculty(id=f"fac-g{start + i}", name=f"Grown {i}", university=w.uni_a, email=f"g{start + i}@f.edu")
                                 for i in range(n)])


def grow_students(w, n):
    start = _counter(Student)
    Student.objects.bulk_create([
        Student(id=f"student-g{start + i}", name=f"Grown {i}", university=w.uni_a, team=w.team_a, advisor=w.fac_a,
                email=f"g{start + i}@s.edu", terms_remaining=i % 6)
        for i in range(n)
    ])


def grow_audit(w, n):
    AuditLog.objects.bulk_create([
        AuditLog(user=w.users["coordinator"], actor="c", action="update", source="api", table_name="students", object_id=str(i))
        for i in range(n)
    ])


def grow_agent_logs(w, n):
    AgentLog.objects.bulk_create([AgentLog(agent_name="grown", action_type="t", triggered_by=w.users["faculty"]) for _ in range(n)])


def grow_rotations(w, n):
    TermRotation.objects.bulk_create([TermRotation(term=f"Spring {2100 + i}", advanced_by=w.users["coordinator"]) for i in range(n)])


def grow_legacy_keys(w, n):
    start = _counter(LegacyKey)
    LegacyKey.objects.bulk_create([LegacyKey(source_table="students", source_key=f"g{start + i}", model="frames.student",
                                             object_pk=w.student_a.pk) for i in range(n)])


LOGS_REFUSED = {"create": 403, "change": 403, "delete": 403}

CONTRACTS = [
    Contract(
        University, grow_universities, endpoint="/api/v1/universities/", faculty_sees_growth=False,
        create=lambda w: {"id": "uni_new", "name": "New University"},
        patch=lambda w: {"location": "Somewhere"},
    ),
    Contract(
        Project, grow_projects, endpoint="/api/v1/projects/",
        create=lambda w: {"id": "proj-new", "name": "New program", "university": "uni_a", "type": "contract"},
        patch=lambda w: {"description": "Changed"},
    ),
    Contract(
        Team, grow_teams, endpoint="/api/v1/teams/",
        create=lambda w: {"id": "team-new", "name": "New team", "university": "uni_a", "project": "cadence", "subsystem": "power"},
        patch=lambda w: {"discipline": "CS"},
    ),
    Contract(
        Faculty, grow_faculty, endpoint="/api/v1/faculty/",
        create=lambda w: {"id": "fac-new", "name": "Dr New", "university": "uni_a", "email": "new@a.edu"},
        patch=lambda w: {"department": "Physics"},
    ),
    Contract(
        Student, grow_students, endpoint="/api/v1/students/",
        create=lambda w: {"id": "student-new", "name": "New Student", "university": "uni_a", "team": "team-a", "terms_remaining": 4},
        patch=lambda w: {"role": "Lead"},
    ),
    # The logs are nobody's to write: the permission refuses before the method is looked at.
    Contract(AuditLog, grow_audit, endpoint="/api/v1/audit-logs/", faculty="none", api_writes=(), admin_writes=(), api_refusals=LOGS_REFUSED),
    # Faculty read their university's jobs through the API (AgentLog.scope_filter) and follow
    # the jobs they started in the admin (tests/jobs).
    Contract(AgentLog, grow_agent_logs, endpoint="/api/v1/agent-logs/", faculty_admin="own", api_writes=(), admin_writes=(),
             api_refusals=LOGS_REFUSED),
    Contract(TermRotation, grow_rotations, faculty="none", admin_writes=()),
    Contract(LegacyKey, grow_legacy_keys, faculty="none", admin_writes=()),
]
