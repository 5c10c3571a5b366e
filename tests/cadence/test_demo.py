import io

import pytest

from cadence.demo import seed
from cadence.models import Person, RawContent, Task

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent():
    out = io.StringIO()
    seed(stdout=out)
    assert "CADENCE: Notion export imported" in out.getvalue()
    counts = (RawContent.objects.count(), Task.objects.count(), Person.objects.count())
    assert counts == (19, 7, 5)
    seed(stdout=io.StringIO())
    assert (RawContent.objects.count(), Task.objects.count(), Person.objects.count()) == counts
