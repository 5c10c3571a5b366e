"""Who a user is to the platform (the README's role table) and the permissions
each group holds. The policy is declared on models, so later apps get it by
declaring `faculty_editable = True` on the models faculty may edit."""

from django.apps import apps

COORDINATORS = "Coordinators"
FACULTY = "Faculty"
PROJECT_APPS = ("frames", "analytics", "cadence", "lms", "basecamp")
# Records nobody edits by hand: logs are written by services only.
READ_ONLY_MODELS = {"frames.auditlog", "frames.agentlog", "frames.termrotation", "frames.legacykey"}
# Faculty do not read the platform's logs.
HIDDEN_FROM_FACULTY = {"frames.auditlog", "frames.agentlog", "frames.termrotation", "frames.legacykey"}


class Role:
    ANONYMOUS = "anonymous"
    SUPERUSER = "superuser"
    COORDINATOR = "coordinator"
    FACULTY = "faculty"
    STUDENT = "student"
    NONE = "none"


# The roles that reach the staff pages (dashboards, the student page, CADENCE operations).
STAFF_ROLES = frozenset({Role.FACULTY, Role.COORDINATOR, Role.SUPERUSER})


def role_of(user) -> str:
    """The user's role, learned in one query and cached on the user object
    (with the linked student or faculty record, so university_of costs nothing)."""
    if user is None or not user.is_authenticated:
        return Role.ANONYMOUS
    cached = getattr(user, "_frames_role", None)
    if cached:
        return cached
    # Loaded by frames.backends.RoleModelBackend with the session's user: no query here.
    fetched = user if hasattr(user, "is_coordinator") else next(iter(users_with_roles().filter(pk=user.pk)[:1]), None)
    profiles = fetched._state.fields_cache if fetched is not None else {}
    user._state.fields_cache.update(profiles)
    if user.is_superuser:
        role = Role.SUPERUSER
    elif fetched is not None and fetched.is_coordinator:
        role = Role.COORDINATOR
    elif profiles.get("faculty_profile") is not None:
        role = Role.FACULTY
    elif profiles.get("student_profile") is not None:
        role = Role.STUDENT
    else:
        role = Role.NONE
    user._frames_role = role
    return role


def users_with_roles():
    """Users with what role_of reads: linked profiles and the Coordinators membership."""
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef

    User = get_user_model()
    return User.objects.select_related("student_profile", "faculty_profile").annotate(
        is_coordinator=Exists(User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=COORDINATORS)))


def is_unrestricted(user) -> bool:
    """Superusers and coordinators see every university."""
    return role_of(user) in (Role.SUPERUSER, Role.COORDINATOR)


def university_of(user):
    """The university id a faculty member or student belongs to, else None."""
    role = role_of(user)
    if role == Role.FACULTY:
        return user.faculty_profile.university_id
    if role == Role.STUDENT:
        return user.student_profile.university_id
    return None


def student_of(user):
    return user.student_profile if role_of(user) == Role.STUDENT else None


def _permission_codenames(model):
    opts = model._meta
    return {action: f"{action}_{opts.model_name}" for action in opts.default_permissions}


def _last_migrated_app():
    """The app whose post_migrate comes last (Django sends it for every app with models, in order):
    by then every app's permissions exist."""
    return [config for config in apps.get_app_configs() if config.models_module is not None][-1]


def sync_role_permissions(sender=None, **kwargs):
    """Give Coordinators and Faculty exactly the permissions the policy says. As a post_migrate
    receiver it works once per migrate or flush, on the last app's signal, not once per app."""
    if sender is not None and sender is not _last_migrated_app():
        return
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    coordinators, _ = Group.objects.get_or_create(name=COORDINATORS)
    faculty, _ = Group.objects.get_or_create(name=FACULTY)
    coordinator_perms, faculty_perms = [], []
    for app_label in PROJECT_APPS:
        try:
            app_config = apps.get_app_config(app_label)
        except LookupError:
            continue
        for model in app_config.get_models():
            label = model._meta.label_lower
            ct = ContentType.objects.get_for_model(model)
            perms = {p.codename: p for p in Permission.objects.filter(content_type=ct)}
            codenames = _permission_codenames(model)
            read_only = label in READ_ONLY_MODELS
            for action, codename in codenames.items():
                perm = perms.get(codename)
                if perm is None:
                    continue
                if action == "view" or not read_only:
                    coordinator_perms.append(perm)
                if label in HIDDEN_FROM_FACULTY:
                    continue
                if action == "view" or getattr(model, "faculty_editable", False):
                    faculty_perms.append(perm)
    # Coordinators manage login accounts (FramesUserAdmin keeps them to accounts without admin access).
    coordinator_perms += Permission.objects.filter(content_type__app_label="auth", content_type__model="user",
                                                   codename__in=["view_user", "add_user", "change_user"])
    coordinators.permissions.set(coordinator_perms)
    faculty.permissions.set(faculty_perms)
