"""Derived university fields, and the database refusing bad interfaces and values."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from analytics.computations import COMPUTATIONS
from analytics.models import ComputationKey, FactorValue, Interface, ModelValidation, Outcome, RiskFactor
from frames.models import AuditLog
from frames.services import instance_save
from tests.factories import ProjectFactory, StudentFactory, TeamFactory, UniversityFactory
from tests.fixtures.analytics import make_interface

pytestmark = pytest.mark.django_db


def test_universities_are_derived_from_the_ends(aworld):
    w = aworld
    assert (w.int_a.from_university_id, w.int_a.to_university_id, w.int_a.is_cross_university) == ("uni_a", "uni_a", False)
    w.int_x.refresh_from_db()
    assert (w.int_x.from_university_id, w.int_x.to_university_id, w.int_x.is_cross_university) == ("uni_a", "uni_b", True)


def test_hand_typed_university_is_overwritten_on_save(aworld):
    w = aworld
    w.int_a.from_university_id = "uni_b"
    w.int_a.save()
    w.int_a.refresh_from_db()
    assert w.int_a.from_university_id == "uni_a" and not w.int_a.is_cross_university


def test_team_changing_university_moves_its_interfaces(aworld, run_on_commit):
    w = aworld
    w.team_a.university = w.uni_b
    with run_on_commit():  # the analytics reaction is the registry's event, delivered on commit
        instance_save(instance=w.team_a, source=AuditLog.Source.ADMIN)
    w.int_a.refresh_from_db()
    w.int_x.refresh_from_db()
    assert (w.int_a.from_university_id, w.int_a.to_university_id, w.int_a.is_cross_university) == ("uni_a", "uni_b", True)
    assert (w.int_x.from_university_id, w.int_x.to_university_id, w.int_x.is_cross_university) == ("uni_b", "uni_b", False)
    audit = AuditLog.objects.filter(table_name="interfaces", object_id=str(w.int_x.pk), source=AuditLog.Source.SYSTEM).get()
    assert audit.changes == {"from_university": ["uni_a", "uni_b"]}


def test_student_and_faculty_moving_university(aworld, run_on_commit):
    w = aworld
    w.student_b.team = None
    w.student_b.university = w.uni_a
    w.fac_b.university = w.uni_a
    with run_on_commit():
        instance_save(instance=w.student_b, source=AuditLog.Source.ADMIN)
        instance_save(instance=w.fac_b, source=AuditLog.Source.ADMIN)
    w.int_x.refresh_from_db()
    w.int_b.refresh_from_db()
    assert w.int_x.to_university_id == "uni_a" and not w.int_x.is_cross_university
    assert w.int_b.from_university_id == "uni_a" and w.int_b.is_cross_university


def test_project_going_collaborative_clears_its_university(world, run_on_commit):
    uni = UniversityFactory(id="uni_c")
    project = ProjectFactory(id="local", university=uni)
    interface = make_interface("int-p", "team", world.team_a, "project", project)
    assert interface.to_university_id == "uni_c" and interface.is_cross_university
    project.university = None
    with run_on_commit():
        instance_save(instance=project, source=AuditLog.Source.ADMIN)
    interface.refresh_from_db()
    assert interface.to_university_id is None and not interface.is_cross_university


def test_team_without_university(world):
    team = TeamFactory(id="team-free", university=None, project=world.program)
    interface = make_interface("int-free", "team", team, "team", world.team_a)
    assert interface.from_university_id is None and not interface.is_cross_university


def _raw_insert(**overrides):
    row = {
        "interface_id": "int-raw",
        "from_type": "team",
        "to_type": "team",
        "interface_type": "mentoring",
        "energy_loss": 10,
        "meta": {},
        "notes": "",
        "bond_type": "",
    }
    row.update(overrides)
    return Interface.objects.bulk_create([Interface(**row)])


@pytest.mark.parametrize("loss", [-1, 101, 250])
def test_database_refuses_energy_loss_out_of_range(world, loss):
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_insert(from_team=world.team_a, to_team=world.team_b, energy_loss=loss)


def test_database_accepts_bounds(world):
    _raw_insert(from_team=world.team_a, to_team=world.team_b, energy_loss=100)
    _raw_insert(interface_id="int-raw0", from_team=world.team_a, to_team=world.team_b, energy_loss=0)
    assert Interface.objects.count() == 2


def test_database_refuses_an_end_without_its_entity(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_insert(from_team=None, to_team=world.team_b)


def test_database_refuses_two_entities_at_one_end(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_insert(from_team=world.team_a, from_student=world.student_a, to_team=world.team_b)


def test_database_refuses_type_not_matching_the_reference(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_insert(from_type="faculty", from_team=world.team_a, to_team=world.team_b)


def test_database_refuses_a_missing_entity(world):
    """Foreign keys are deferred to commit: check them now, as the commit would."""
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_insert(from_team_id="team-ghost", to_team=world.team_b)
        connection.check_constraints(table_names=["interfaces"])


def test_model_validation_names_the_field(world):
    interface = Interface(interface_id="int-bad", from_type="team", to_type="faculty", interface_type="mentoring", energy_loss=101)
    interface.from_team = world.team_a
    with pytest.raises(ValidationError) as exc:
        interface.full_clean()
    assert set(exc.value.message_dict) >= {"energy_loss", "to_faculty"}


def test_factor_value_checks(aworld):
    w = aworld
    with pytest.raises(ValidationError) as exc:
        FactorValue(factor=w.factor, entity_type="team", team=w.team_a, value=11).full_clean()
    assert "value" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        FactorValue(factor=w.factor, entity_type="student", student=w.student_a, value=1).full_clean()
    assert "entity_type" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        FactorValue.objects.create(factor=w.factor, entity_type="team", value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        FactorValue.objects.create(factor=w.factor, entity_type="team", team=w.team_a, value=9, measured_at=w.value_a.measured_at)


def test_other_constraints(aworld):
    w = aworld
    with pytest.raises(IntegrityError), transaction.atomic():
        Outcome.objects.create(university=w.uni_a, project=w.program, outcome_type="mission_success", success=False, cohort_year=2024)
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskFactor.objects.create(key="x", name="X", entity_type="team", is_computed=True, computation="")
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskFactor.objects.create(key="y", name="Y", entity_type="team", min_value=5, max_value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelValidation.objects.create(model=w.model, method="holdout", auc=1.5, sample_size=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        w.model.pk = None
        w.model.key = "second-active"
        w.model.save()  # a second active model of the same outcome type


def test_following_costs_one_query_per_update_and_none_per_create(aworld, django_assert_num_queries):
    from analytics.services import interfaces_follow_entity

    with django_assert_num_queries(1):
        assert interfaces_follow_entity(entity=aworld.team_a) == 0
    with CaptureQueriesContext(connection) as queries:  # a new student has no interfaces to follow
        StudentFactory.build(id="student-new", university=aworld.uni_a, email="new@example.edu").save()
    assert not [q["sql"] for q in queries.captured_queries if '"interfaces"' in q["sql"]]


def test_a_computed_factor_names_a_computation_that_runs():
    """RiskFactor.clean checks `computation` against ComputationKey (the model cannot import
    analytics.computations): each key has its function there, and only those are accepted."""
    assert sorted(COMPUTATIONS) == sorted(ComputationKey.values)
    assert all(c.name == ComputationKey(key).label for key, c in COMPUTATIONS.items())
    RiskFactor(key="size", name="Size", entity_type="team", is_computed=True, computation=ComputationKey.TEAM_SIZE).clean()
    with pytest.raises(ValidationError, match="Unknown computation"):
        RiskFactor(key="made_up", name="Made up", entity_type="team", is_computed=True, computation="team_made_up").clean()
