"""Old schema 004's five example queries, verbatim, on PostgreSQL (students are
frames' `students`, teachers frames' `faculty`, ids as the seed writes them)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from basecamp.models import Assessment, DataEntry, TeacherCorrection
from frames.models import Faculty, Student, University

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="old schema 004's queries use PostgreSQL SQL (DATE_TRUNC, MODE() WITHIN GROUP)"),
]

Q1 = """
SELECT
    skill_name,
    level,
    created_at::date as assessment_date,
    confidence_score,
    justification
FROM assessments
WHERE student_id = 'S001'
    AND skill_name = 'Self-Awareness'
ORDER BY created_at DESC;
"""
Q2 = """
SELECT
    a.id,
    a.student_id,
    s.name as student_name,
    a.skill_name,
    a.level,
    a.confidence_score,
    a.created_at
FROM assessments a
JOIN students s ON a.student_id = s.id
LEFT JOIN teacher_corrections tc ON tc.assessment_id = a.id
WHERE tc.id IS NULL  -- Not yet corrected
    AND a.confidence_score < 0.8
ORDER BY a.confidence_score ASC, a.created_at DESC
LIMIT 20;
"""
Q3 = """
WITH skill_levels AS (
    SELECT
        skill_name,
        DATE_TRUNC('week', created_at) as week,
        CASE level
            WHEN 'Emerging' THEN 1
            WHEN 'Developing' THEN 2
            WHEN 'Proficient' THEN 3
            WHEN 'Advanced' THEN 4
        END as level_numeric,
        level
    FROM assessments
    WHERE student_id = 'S001'
)
SELECT
    skill_name,
    week,
    MODE() WITHIN GROUP (ORDER BY level_numeric) as most_common_level_numeric,
    MODE() WITHIN GROUP (ORDER BY level) as most_common_level,
    COUNT(*) as assessment_count
FROM skill_levels
GROUP BY skill_name, week
ORDER BY skill_name, week;
"""
Q4 = """
SELECT
    a.skill_name,
    a.skill_category,
    tc.corrected_level,
    tc.corrected_justification,
    a.source_quote,
    tc.teacher_notes,
    de.content as original_content
FROM teacher_corrections tc
JOIN assessments a ON tc.assessment_id = a.id
JOIN data_entries de ON a.data_entry_id = de.id
WHERE tc.teacher_notes IS NOT NULL
ORDER BY tc.corrected_at DESC
LIMIT 5;
"""
Q5 = """
SELECT
    skill_name,
    level,
    MAX(created_at) as earned_date
FROM assessments
WHERE student_id = 'S001'
    AND level IN ('Proficient', 'Advanced')
GROUP BY skill_name, level
ORDER BY earned_date DESC;
"""


def run(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.fixture
def seed_data(db):
    uni = University.objects.create(id="school", name="Flourish Middle School")
    teacher = Faculty.objects.create(id="T001", name="Ms. Rivera", university=uni)
    s1 = Student.objects.create(id="S001", name="Ava Chen", university=uni, advisor=teacher, grade=7)
    s2 = Student.objects.create(id="S002", name="Leo Park", university=uni, advisor=teacher, grade=8)
    monday = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0))
    rows = [  # student, entry, skill, category, level, confidence, days after monday
        (s1, "DE001", "Self-Awareness", "SEL", "Developing", "0.55", 0),
        (s1, "DE002", "Self-Awareness", "SEL", "Developing", "0.62", 2),
        (s1, "DE003", "Self-Awareness", "SEL", "Proficient", "0.91", 3),
        (s1, "DE004", "Self-Awareness", "SEL", "Proficient", "0.74", 8),
        (s1, "DE004b", None, None, None, None, None),
        (s1, "DE005", "Collaboration", "21st_Century", "Advanced", "0.88", 9),
        (s2, "DE006", "Self-Awareness", "SEL", "Emerging", "0.40", 1),
    ]
    made = {}
    for student, entry_id, skill, category, level, confidence, days in rows:
        if skill is None:
            continue
        entry = DataEntry.objects.create(id=entry_id, student=student, teacher=teacher, type="reflection_journal",
                                         date=(monday + datetime.timedelta(days=days)).date(), content=f"{skill} evidence in {entry_id}.")
        made[entry_id] = Assessment.objects.create(
            data_entry=entry, student=student, skill_name=skill, skill_category=category, level=level,
            confidence_score=Decimal(confidence), justification=f"{level} because ...", source_quote=f"{skill} evidence",
            created_at=monday + datetime.timedelta(days=days),
        )
    TeacherCorrection.objects.create(assessment=made["DE001"], original_level="Developing", corrected_level="Emerging",
                                     original_justification="Developing because ...", corrected_justification="Only named 'sad'.",
                                     teacher_notes="Naming one basic feeling is Emerging.", corrected_by=teacher,
                                     corrected_at=monday + datetime.timedelta(days=5))
    TeacherCorrection.objects.create(assessment=made["DE002"], original_level="Developing", corrected_level="Proficient",
                                     corrected_by=teacher, teacher_notes=None, corrected_at=monday + datetime.timedelta(days=6))
    return made


def test_query_1_skill_progression(seed_data):
    rows = run(Q1)
    assert [(r[0], r[1], str(r[3])) for r in rows] == [
        ("Self-Awareness", "Proficient", "0.74"), ("Self-Awareness", "Proficient", "0.91"),
        ("Self-Awareness", "Developing", "0.62"), ("Self-Awareness", "Developing", "0.55"),
    ]
    assert rows[-1][2] == datetime.date(2026, 3, 2)


def test_query_2_review_queue_matches_selector(seed_data, django_user_model):
    rows = run(Q2)
    # DE001/DE002 are corrected; DE003/DE005 are confident: left are S002's 0.40 and S001's 0.74.
    assert [(r[1], r[2], str(r[5])) for r in rows] == [("S002", "Leo Park", "0.40"), ("S001", "Ava Chen", "0.74")]
    from basecamp.selectors import review_queue

    admin = django_user_model.objects.create(username="root", is_superuser=True, is_staff=True)
    assert [a.pk for a in review_queue(user=admin)] == [r[0] for r in rows]


def test_query_3_weekly_trends_match_chart(seed_data):
    rows = run(Q3)
    summary = [(r[0], r[1].date(), r[2], r[3], r[4]) for r in rows]
    assert summary == [
        ("Collaboration", datetime.date(2026, 3, 9), 4, "Advanced", 1),
        ("Self-Awareness", datetime.date(2026, 3, 2), 2, "Developing", 3),
        ("Self-Awareness", datetime.date(2026, 3, 9), 3, "Proficient", 1),
    ]
    from basecamp.selectors import skill_trends

    trends = skill_trends(Student.objects.get(pk="S001"))
    assert [(skill, *row) for skill, rows_ in sorted(trends.items()) for row in rows_] == summary


def test_query_4_worked_examples(seed_data):
    rows = run(Q4)
    assert len(rows) == 1
    skill, category, corrected, justification, quote, notes, content = rows[0]
    assert (skill, category, corrected, notes) == ("Self-Awareness", "SEL", "Emerging", "Naming one basic feeling is Emerging.")
    assert content == "Self-Awareness evidence in DE001."


def test_query_5_badges_match_selector(seed_data):
    rows = run(Q5)
    assert [(r[0], r[1]) for r in rows] == [("Collaboration", "Advanced"), ("Self-Awareness", "Proficient")]
    from basecamp.selectors import badges

    assert [(b["skill_name"], b["level"], b["earned_date"]) for b in badges(Student.objects.get(pk="S001"))] == [tuple(r) for r in rows]
