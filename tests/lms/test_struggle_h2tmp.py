from lms.models import ModuleProgress
from tests.lms.test_quiz_permissions import attempts  # noqa: F401

def test_tmp(attempts, ingest):
    w = attempts
    for student in (w.student_a, w.student_b):
        ingest(student, {"module": w.module.pk, "event_type": "section_view", "section_number": 3},
               *[{"module": w.module.pk, "event_type": "heartbeat", "section_number": 3, "event_data": {"seconds": 120}} for _ in range(3)])
    print(list(ModuleProgress.objects.values_list("student_id", "pattern_detected", "struggle_signal", "section_state", "current_section")))
    assert 0
