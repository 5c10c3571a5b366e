"""CADENCE reads shared by the admin, the API and the pages."""



from frames.roles import is_unrestricted, university_of

HIDDEN_NAME = "(another university)"


def person_visible(person, user) -> bool:
    """A faculty member sees the names of unlinked contacts and of their own
    university's students and faculty, never another university's (docs/architecture.md)."""
    if person is None or is_unrestricted(user):
        return True
    linked = person.student if person.student_id else person.faculty if person.faculty_id else None
    if linked is None:
        return True
    return linked.university_id == university_of(user)


def person_label(person, user) -> str:
    if person is None:
        return ""
    return person.name if person_visible(person, user) else HIDDEN_NAME


