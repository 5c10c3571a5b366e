"""Demo registry data for `manage.py seed_demo`: idempotent (update_or_create on
the string ids), deterministic, realistic. Other apps add theirs in `<app>/demo.py`."""

import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from frames.choices import Subsystem
from frames.events import records_changed
from frames.models import AuditLog, Faculty, Project, Student, Team, University
from frames.roles import COORDINATORS, FACULTY

UNIVERSITIES = [
    ("cal_poly", "California Polytechnic State University, Pomona", "Pomona, CA", True),
    ("texas_state", "Texas State University", "San Marcos, TX", False),
    ("columbia", "Columbia University", "New York, NY", False),
    ("northeastern", "Northeastern University", "Boston, MA", False),
    ("uw_madison", "University of Wisconsin-Madison", "Madison, WI", False),
    ("purdue", "Purdue University", "West Lafayette, IN", False),
    ("uc_irvine", "University of California, Irvine", "Irvine, CA", False),
    ("byu", "Brigham Young University", "Provo, UT", False),
]
PROJECTS = [
    ("proves", "PROVES CubeSat Kit", "Open-source CubeSat platform built with partner universities.", 48),
    ("cadence", "CADENCE CubeSat", "Multi-university CubeSat satellite project", 36),
]
FIRST = ["Alice", "Bruno", "Chen", "Diana", "Emeka", "Farah", "Gabriel", "Hana", "Isabel", "Jamal", "Keiko", "Luis",
         "Maya", "Nikhil", "Olivia", "Pedro", "Quinn", "Rosa", "Samir", "Tess", "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoë"]
LAST = ["Johnson", "Okafor", "Nguyen", "García", "Kowalski", "Haddad", "Silva", "Tanaka", "Müller", "Patel", "Reyes",
        "Schmidt", "Ibrahim", "Larsen", "Moreau", "Dubois", "Novak", "Rossi", "Kim", "Cohen"]
EXPERTISE = {"avionics": "Electrical", "power": "Electrical", "structures": "Mechanical", "thermal": "Mechanical",
             "software": "Software", "mission_ops": "Software", "communications": "Electrical", "payload": "Physics"}
DEMO_PASSWORDS = {
    "admin": "frames-admin-demo",
    "coordinator": "frames-coordinator-demo",
    "faculty": "frames-faculty-demo",
    "student": "frames-student-demo",
}


def _term(offset):
    """The graduation term `offset` terms from Fall 2026."""
    index = 1 + offset  # 0 = Spring, 1 = Fall, starting at 2026
    return f"{'Spring' if index % 2 == 0 else 'Fall'} {2026 + index // 2}"


@transaction.atomic
def seed(stdout=None):
    rng = random.Random(2026)
    for uid, name, location, lead in UNIVERSITIES:
        University.objects.update_or_create(id=uid, defaults={"name": name, "location": location, "is_lead": lead})
    for pid, name, description, months in PROJECTS:
        Project.objects.update_or_create(
            id=pid, defaults={"name": name, "description": description, "duration": months, "type": "collaborative"}
        )
    student_n = 0
    seeded = {Faculty: ([], []), Team: ([], []), Student: ([], [])}  # model -> (ids, created ids)
    for u_index, (uid, uname, _, _) in enumerate(UNIVERSITIES):
        short = uname.split(",")[0].replace("University of ", "").replace(" University", "")
        advisor, made = Faculty.objects.update_or_create(
            id=f"fac-{uid}", defaults={
                "university_id": uid, "name": f"Dr. {FIRST[(u_index * 3) % 26]} {LAST[(u_index * 7) % 20]}",
                "email": f"advisor@{uid.replace('_', '')}.example.edu", "role": "Faculty Advisor - Engineering",
                "department": "Aerospace Engineering",
            },
        )
        _seeded(seeded, advisor, made)
        subsystems = list(Subsystem.values)[: 4 + u_index % 5]
        for s_index, subsystem in enumerate(subsystems):
            project = "cadence" if (u_index + s_index) % 2 == 0 else "proves"
            team_id = f"team-{uid.replace('_', '-')}-{subsystem.replace('_', '-')}"
            _seeded(seeded, *Team.objects.update_or_create(id=team_id, defaults={
                "university_id": uid, "project_id": project, "subsystem": subsystem,
                "name": f"{short} {Subsystem(subsystem).label}", "discipline": EXPERTISE[subsystem] + " Engineering",
            }))
            for _ in range(3):
                student_n += 1
                terms = rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 6])
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                _seeded(seeded, *Student.objects.update_or_create(id=f"student-{student_n:03d}", defaults={
                    "university_id": uid, "team_id": team_id, "advisor": advisor, "name": name,
                    "email": f"student{student_n:03d}@{uid.replace('_', '')}.example.edu",
                    "expertise_area": EXPERTISE[subsystem], "terms_remaining": max(terms, 1),
                    "graduation_term": _term(max(terms, 1) - 1), "is_lead": rng.random() < 0.15,
                }))
    # update_or_create sends no domain event: the other apps hear of the seeded records on commit.
    for model, (ids, created) in seeded.items():
        records_changed(model, ids=ids, created=created, fields=[f.name for f in model._meta.concrete_fields],
                        user=None, source=AuditLog.Source.COMMAND)
    accounts = _accounts()
    if stdout:
        stdout.write(f"Registry: {University.objects.count()} universities, {Team.objects.count()} teams, "
                     f"{Student.objects.count()} students, {Faculty.objects.count()} faculty.")
    return accounts


def _seeded(seeded, record, created):
    ids, new = seeded[type(record)]
    ids.append(record.pk)
    if created:
        new.append(record.pk)


def _accounts():
    User = get_user_model()
    users = {}
    for username, password in DEMO_PASSWORDS.items():
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = username != "student"
        user.is_superuser = username == "admin"
        user.email = f"{username}@frames.example.org"
        user.save()
        users[username] = user
    users["coordinator"].groups.add(Group.objects.get(name=COORDINATORS))
    users["faculty"].groups.add(Group.objects.get(name=FACULTY))
    Faculty.objects.filter(user=users["faculty"]).exclude(id="fac-cal_poly").update(user=None)
    Faculty.objects.filter(id="fac-cal_poly").update(user=users["faculty"])
    demo_student = Student.objects.filter(university_id="cal_poly").order_by("-terms_remaining", "id").first()
    Student.objects.filter(user=users["student"]).exclude(pk=demo_student.pk).update(user=None)
    Student.objects.filter(pk=demo_student.pk).update(user=users["student"])
    return DEMO_PASSWORDS
