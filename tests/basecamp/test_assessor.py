"""The offline assessor: every quote occurs in its entry, runs are deterministic
and logged, and teacher corrections change later proposals on similar entries."""

import datetime
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from basecamp import rubric_data
from basecamp.assessor import LLMAssessor, RubricEntry, RulesAssessor, assessor_name, build_assessor
from basecamp.models import Assessment, DataEntry
from basecamp.services import assessment_correct, entries_assess
from frames.models import AgentLog

SKILLS = [RubricEntry(s["name"], s["category"], s["descriptors"], s["indicators"], s["cues"]) for s in rubric_data.SKILLS]
PHRASES = sorted({p for s in rubric_data.SKILLS for level in s["indicators"].values() for p in level} | {c for s in rubric_data.SKILLS for c in s["cues"]})
FILLER = ["the", "rocket", "team", "and", "we", "were", "late", "antenna", "\n", "  ", ",", "!", "?", ".", "“quoted”", "Ünïcode", "é", "\t"]


def corpus(n, seed=7):
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 40)):
            parts.append(rng.choice(PHRASES) if rng.random() < 0.4 else rng.choice(FILLER))
            parts.append(rng.choice([" ", " ", ". ", "! ", "\n", ", ", "...", "  "]))
        texts.append("".join(parts))
    return texts


def check_quotes(text):
    proposals = RulesAssessor(SKILLS).assess(text)
    for p in proposals:
        assert p.source_quote and p.source_quote in text
        assert text[p.quote_start:p.quote_start + len(p.source_quote)] == p.source_quote
        assert p.source_quote == p.source_quote.strip()
        assert 0 <= p.confidence <= 1 and p.level in ("Emerging", "Developing", "Proficient", "Advanced")
        assert p.justification
    return proposals


def test_every_quote_occurs_in_its_entry_generated_corpus():
    proposed = sum(len(check_quotes(text)) for text in corpus(250))
    assert proposed > 250  # the corpus really exercises the assessor


def test_long_sentences_are_cut_to_a_window_inside_the_entry():
    text = ("word " * 200) + "I kept going even though it was hard " + ("more " * 200) + "."
    (p,) = [p for p in check_quotes(text) if p.skill_name == "Self-Management"]
    assert len(p.source_quote) <= 280 and "kept going" in p.source_quote


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(st.sampled_from(PHRASES), st.text(max_size=20)), max_size=30),
    st.lists(st.sampled_from([" ", ". ", "\n", "!", "  ", ", "]), min_size=1),
)
def test_every_quote_occurs_in_its_entry_hypothesis(parts, seps):
    text = "".join(part + seps[i % len(seps)] for i, part in enumerate(parts))
    check_quotes(text)


def test_deterministic_and_specific():
    text = "I procrastinated on the report and missed the deadline. Then I stayed calm and tried again."
    first, second = RulesAssessor(SKILLS).assess(text), RulesAssessor(SKILLS).assess(text)
    assert [(p.skill_name, p.level, p.confidence, p.source_quote) for p in first] == [(p.skill_name, p.level, p.confidence, p.source_quote) for p in second]
    by_skill = {p.skill_name: p for p in first}
    assert by_skill["Task Initiation"].level == "Emerging"
    assert by_skill["Task Initiation"].source_quote == "I procrastinated on the report and missed the deadline."
    assert by_skill["Self-Management"].level == "Proficient"
    assert "Global Awareness" not in by_skill


def test_no_evidence_no_proposal():
    assert RulesAssessor(SKILLS).assess("The sky was blue over the launch pad.") == []


def test_default_backend_is_offline_rules(settings):
    assert assessor_name() == "rules"
    assert build_assessor(SKILLS).name == "rules"
    settings.BASECAMP_ASSESSOR = "nonsense"
    with pytest.raises(ValueError, match="BASECAMP_ASSESSOR"):
        build_assessor(SKILLS)


def test_llm_answers_are_checked_like_ours():
    """The optional backend is never called here; its parser drops quotes not in the entry."""
    llm = LLMAssessor(SKILLS, url="http://127.0.0.1:9/none", model="m")
    text = "We shared the work and built on her idea."
    answer = ('[{"skill_name": "Collaboration", "level": "Proficient", "confidence": 0.8, "justification": "j", "source_quote": "shared the work"},'
              ' {"skill_name": "Collaboration", "level": "Advanced", "confidence": 2, "source_quote": "invented quote"},'
              ' {"skill_name": "Nope", "level": "Advanced", "source_quote": "shared"}]')
    (p,) = llm.parse(text, answer)
    assert p.source_quote in text and p.level == "Proficient"
    assert "Collaboration" in llm.prompt(text)


# ---------------------------------------------------------------- through the database

BASE = ("During the robotics build I felt frustrated because the motor kept stalling, "
        "but I took a deep breath and kept going even though it was late.")
SIMILAR = ("During the robotics build I felt frustrated because the servo kept stalling, "
           "but I took a deep breath and kept going even though it was very late.")
UNRELATED = "I kept going even though the bus was late and the snack machine was empty."


def make_entry(world, entry_id, text, day):
    return DataEntry.objects.create(id=entry_id, student=world.student_a, teacher=world.fac_a, type="reflection_journal",
                                    date=datetime.date(2026, 3, day), content=text)


@pytest.mark.django_db
def test_corrections_change_later_proposals_on_a_similar_entry(world, bc_rubric):
    faculty = world.users["faculty"]
    first = make_entry(world, "DE010", BASE, 2)
    entries_assess(entries=[first], user=faculty)
    proposed = Assessment.objects.get(data_entry=first, skill_name="Self-Management")
    assert proposed.level == "Proficient"

    control = RulesAssessor(SKILLS).assess(SIMILAR)
    assert {p.skill_name: p.level for p in control}["Self-Management"] == "Proficient"

    correction = assessment_correct(assessment=proposed, corrected_level="Advanced", user=faculty,
                                    corrected_justification="Managing a stall late at night on her own is Advanced for grade 7.",
                                    teacher_notes="Self-regulation under pressure without prompting.")
    similar, unrelated = make_entry(world, "DE011", SIMILAR, 9), make_entry(world, "DE012", UNRELATED, 10)
    entries_assess(entries=[similar, unrelated], user=faculty)
    later = Assessment.objects.get(data_entry=similar, skill_name="Self-Management")
    assert later.level == "Advanced"
    assert f"correction #{correction.pk}" in later.justification
    assert later.source_quote in SIMILAR
    # An entry that shares the indicator but not the situation keeps the rubric's level.
    assert Assessment.objects.get(data_entry=unrelated, skill_name="Self-Management").level == "Proficient"


@pytest.mark.django_db
def test_each_run_is_an_agent_log_entry_and_reviewed_work_is_kept(world, bc_rubric):
    faculty = world.users["faculty"]
    entry = make_entry(world, "DE020", BASE, 2)
    entries_assess(entries=[entry], user=faculty)
    log = AgentLog.objects.get(agent_name="skills_assessor")
    assert log.status == "succeeded" and log.action_type == "assessment" and log.triggered_by == faculty
    assert log.metadata["assessor"] == "rules" and log.metadata["created"] >= 2 and "DE020" in log.metadata["entries"]
    corrected = Assessment.objects.get(data_entry=entry, skill_name="Self-Management")
    assessment_correct(assessment=corrected, corrected_level="Developing", corrected_justification="Needed help.", user=faculty)
    totals = entries_assess(entries=[entry], user=faculty)
    corrected.refresh_from_db()
    assert corrected.level == "Developing" and totals["kept_reviewed"] == 1
    assert AgentLog.objects.filter(agent_name="skills_assessor").count() == 2
