from frames.roles import role_of


def role(request):
    """`frames_role` in every template: which navigation a page shows."""
    return {"frames_role": role_of(getattr(request, "user", None))}
