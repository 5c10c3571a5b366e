"""factory_boy factories for the registry; apps add theirs in tests/<app>/factories.py."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from frames.models import Faculty, Project, Student, Team, University
from frames.roles import COORDINATORS, FACULTY


class UniversityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = University
        django_get_or_create = ("id",)

    id = factory.Sequence(lambda n: f"uni_{n}")
    name = factory.LazyAttribute(lambda o: f"University {o.id}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        django_get_or_create = ("id",)

    id = factory.Sequence(lambda n: f"project-{n}")
    name = factory.LazyAttribute(lambda o: f"Project {o.id}")
    university = None


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    id = factory.Sequence(lambda n: f"team-{n:03d}")
    name = factory.Sequence(lambda n: f"Team {n}")
    university = factory.SubFactory(UniversityFactory)
    project = factory.SubFactory(ProjectFactory)
    subsystem = "avionics"


class FacultyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Faculty

    id = factory.Sequence(lambda n: f"fac-{n:03d}")
    name = factory.Sequence(lambda n: f"Dr. Faculty {n}")
    university = factory.SubFactory(UniversityFactory)
    email = factory.Sequence(lambda n: f"fac{n}@example.edu")


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    id = factory.Sequence(lambda n: f"student-{n:03d}")
    name = factory.Sequence(lambda n: f"Student {n}")
    university = factory.SubFactory(UniversityFactory)
    email = factory.Sequence(lambda n: f"student{n}@example.edu")
    terms_remaining = 4


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-only")


def make_coordinator(**kwargs):
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=COORDINATORS))
    return user


def make_faculty_user(faculty, **kwargs):
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=FACULTY))
    faculty.user = user
    faculty.save()
    return user


def make_student_user(student, **kwargs):
    user = UserFactory(**kwargs)
    student.user = user
    student.save()
    return user
