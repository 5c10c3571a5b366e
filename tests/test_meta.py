"""Meta-tests over every app of the project (frames, analytics, cadence, lms,
basecamp): each model is in the admin, with the shared base classes, an import
resource and a declared university scope where it holds university data; each
API route has a filter set; and every route under /api/v1/ refuses anonymous
requests. They fail naming the model or route that has the gap."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from frames.base.admin import ReadOnlyAdmin, ScopedAdminMixin
from frames.base.api import ReadOnlyFramesViewSet, ScopedReadsMixin
from frames.models import Faculty, Student, Team, University
from frames.resource_registry import resource_for
from frames.roles import PROJECT_APPS, READ_ONLY_MODELS
from frames.scoping import is_scoped

# Routes under /api/v1/ that anonymous callers may use, each with its reason.
PUBLIC_API_ROUTES = {
    "api:root": "the API's table of contents (links only, no data)",
    "api:token": "exchanges a username and password for a token",
}


def project_models():
    models = []
    for label in PROJECT_APPS:
        try:
            models.extend(apps.get_app_config(label).get_models())
        except LookupError:
            continue
    return models


def label(model):
    return model._meta.label


def walk(patterns, prefix="", namespace=""):
    """(route regex, full url name, callback, pattern) for every URL of the project."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield prefix + str(entry.pattern), name, entry.callback, entry


def api_routes():
    routes = []
    for route, name, callback, pattern in walk(get_resolver().url_patterns):
        path = route.replace("^", "").replace("$", "")
        if not path.startswith("api/v1/"):
            continue
        routes.append((path, name, callback, pattern))
    return routes


def url_for(route, name, pattern):
    """A concrete URL for a route: every path parameter filled with a plausible id."""
    kwargs = {key: "1" for key in pattern.pattern.regex.groupindex}
    if name:
        try:
            return reverse(name, kwargs=kwargs)
        except Exception:  # noqa: S110 - fall back to filling the regex by hand
            pass
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", route)
    path = re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", path)
    return "/" + path.replace("\\", "")


# ------------------------------------------------------------------ admin


def test_project_has_models():
    assert len(project_models()) >= 8


@pytest.mark.parametrize("model", project_models(), ids=label)
def test_every_model_is_in_the_admin(model):
    if model not in admin.site._registry:
        pytest.fail(f"{label(model)} is not registered in the admin")


@pytest.mark.parametrize("model", project_models(), ids=label)
def test_every_admin_uses_the_shared_base(model):
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        pytest.fail(f"{label(model)} is not registered in the admin")
    assert isinstance(model_admin, (ScopedAdminMixin, ReadOnlyAdmin)), (
        f"{label(model)}'s admin {type(model_admin).__name__} derives from neither FramesAdmin nor ReadOnlyAdmin: "
        "it would skip university scoping, audit and safe import"
    )


@pytest.mark.parametrize("model", project_models(), ids=label)
def test_every_editable_admin_model_has_an_import_resource(model):
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        pytest.fail(f"{label(model)} is not registered in the admin")
    if model._meta.label_lower in READ_ONLY_MODELS or isinstance(model_admin, ReadOnlyAdmin):
        return
    resource = resource_for(model)
    assert resource is not None, f"{label(model)}'s admin has no resource_classes (import resource)"
    from frames.imports import FramesResource

    assert issubclass(resource, FramesResource), f"{label(model)}'s resource {resource.__name__} does not derive from FramesResource"
    assert resource._meta.model is model, f"{label(model)}'s resource {resource.__name__} is for {resource._meta.model}"


@pytest.mark.parametrize("model", project_models(), ids=label)
def test_models_holding_university_data_declare_a_scope(model):
    """A model pointing at a student, team, faculty member or university holds that
    university's data: it must declare university_scope or scope_filter."""
    registry = (Student, Team, Faculty, University)
    pointing = [
        f.name for f in model._meta.concrete_fields
        if f.is_relation and f.related_model in registry
    ]
    if model in registry or not pointing:
        return
    # `university_scope = None` written on the model says "shared with every university, on purpose".
    declared_shared = any("university_scope" in vars(klass) for klass in model.__mro__)
    assert is_scoped(model) or declared_shared, (
        f"{label(model)} points at {', '.join(pointing)} but declares no university_scope/scope_filter: "
        "faculty of one university would see another's rows (declare `university_scope = None` if it is shared on purpose)"
    )


# ------------------------------------------------------------------ API routes


def test_api_routes_found():
    names = {name for _, name, _, _ in api_routes()}
    assert {"api:students-list", "api:students-detail", "api:root"} <= names


@pytest.mark.parametrize("route", api_routes(), ids=lambda r: r[1] or r[0])
def test_every_framesviewset_route_has_a_filterset(route):
    path, name, callback, _ = route
    cls = getattr(callback, "cls", None)
    if cls is None or not issubclass(cls, ScopedReadsMixin):
        return
    model = cls.queryset.model if getattr(cls, "queryset", None) is not None else None
    assert getattr(cls, "filterset_class", None) is not None, (
        f"{cls.__module__}.{cls.__name__} (route {name or path}, model {label(model) if model else '?'}) has no filterset_class"
    )
    assert getattr(cls, "serializer_class", None) is not None, f"{cls.__name__} (route {name or path}) has no serializer_class"


@pytest.mark.parametrize("route", api_routes(), ids=lambda r: r[1] or r[0])
def test_every_model_viewset_scopes_its_reads(route):
    """A viewset over a model (read-only ones too) derives from FramesViewSet or
    ReadOnlyFramesViewSet, whose get_queryset applies scope_queryset: a bare
    ReadOnlyModelViewSet would list every university's rows to faculty."""
    from rest_framework.viewsets import GenericViewSet

    path, name, callback, _ = route
    cls = getattr(callback, "cls", None)
    if cls is None or not issubclass(cls, GenericViewSet):
        return
    assert issubclass(cls, ScopedReadsMixin), (
        f"{cls.__module__}.{cls.__name__} (route {name or path}) reads unscoped: derive it from frames.base.api.ReadOnlyFramesViewSet"
    )


def test_read_only_viewsets_offer_no_writes():
    assert not {"create", "update", "partial_update", "destroy"} & set(dir(ReadOnlyFramesViewSet))


@pytest.mark.parametrize("route", api_routes(), ids=lambda r: r[1] or r[0])
def test_every_api_route_refuses_anonymous(db, client, route):
    from django.core.cache import cache

    cache.clear()  # anonymous throttling must not answer for the permission check
    path, name, callback, pattern = route
    if name in PUBLIC_API_ROUTES:
        return
    url = url_for(path, name, pattern)
    for method in ("get", "post", "put", "patch", "delete"):
        response = getattr(client, method)(url, content_type="application/json") if method != "get" else client.get(url)
        allowed = {401, 403} if method in ("get", "post") else {401, 403, 405}
        assert response.status_code in allowed, (
            f"anonymous {method.upper()} {url} (route {name or path}) answered {response.status_code}, expected 401/403"
        )


# ------------------------------------------------------------------ contracts and references


@pytest.mark.parametrize("model", project_models(), ids=label)
def test_every_model_has_a_contract(model):
    """tests/contract.py generates the role, write, query-count, round-trip and schema checks."""
    from tests.contract import contracts

    declared = [c.label for c in contracts()]
    assert label(model) in declared, f"{label(model)} has no contract: declare one in tests/{model._meta.app_label}/contracts.py"
    assert declared.count(label(model)) == 1, f"{label(model)} has {declared.count(label(model))} contracts"


def test_contracts_name_their_endpoints_routes():
    """A contract's endpoint is the model's API list route (a renamed route fails here)."""
    from django.urls import resolve

    from tests.contract import contracts

    endpoints = {}
    for path, name, callback, _ in api_routes():
        cls = getattr(callback, "cls", None)
        if cls is not None and getattr(cls, "queryset", None) is not None and (name or "").endswith("-list"):
            endpoints.setdefault(cls.queryset.model, set()).add("/" + path)
    for contract in contracts():
        if contract.endpoint is None:
            assert contract.model not in endpoints, f"{contract.label}: the contract names no endpoint, but {endpoints[contract.model]} lists it"
            continue
        assert resolve(contract.endpoint).func.cls.queryset.model is contract.model, f"{contract.label}: {contract.endpoint} lists another model"


# Names of files that are not in this repository (the earlier shared workspace's design
# notes, seeds and paths): a reader cannot follow them. docs/ says what they said.
OUTSIDE_REFERENCES = re.compile(r"DESIGN\.md|SECURITY\.md|\bseeds? 00\d|\.\./shared")
CHECKED_SUFFIXES = {".py", ".md", ".html", ".txt", ".toml", ".cfg", ".ini", ".yml", ".yaml", ".js", ".css", ".sql", ".sh"}


def test_no_file_cites_files_outside_the_repository():
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=root, capture_output=True, text=True, check=False)
    files = [root / name for name in listed.stdout.splitlines()] if listed.returncode == 0 else list(root.rglob("*"))
    offenders = []
    for path in files:
        if path.suffix not in CHECKED_SUFFIXES or not path.is_file() or ".venv" in path.parts or path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if OUTSIDE_REFERENCES.search(line):
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()[:100]}")
    assert not offenders, "files cite names outside the repository (cite docs/ instead):\n" + "\n".join(offenders)


def test_public_api_routes_still_exist():
    """The allowlist names real routes (a renamed route must not slip past the check)."""
    names = {name for _, name, _, _ in api_routes()}
    for name in PUBLIC_API_ROUTES:
        assert name in names, f"{name} is allowlisted as public but no longer exists"


# A function-level import of a module's own app usually hides an import cycle the
# package layout should remove (docs/architecture.md, "Imports"). The ones that stay
# say why on the import itself: `# lazy: <reason>` (AppConfig.ready(), a models module
# reaching the logic that imports it, a heavy optional dependency).
LAZY_MARK = "# lazy:"


def unexplained_own_app_imports(source, app):
    """Line numbers of imports of `app` inside functions with no `# lazy:` comment on the
    import's lines or on the line above its group of import lines."""
    import ast

    lines = source.splitlines()
    found = set()
    for func in ast.walk(ast.parse(source)):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else [app]  # a relative import is the app's own
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if not any(name == app or name.startswith(app + ".") for name in names):
                continue
            above = node.lineno - 2
            while above >= 0 and lines[above].strip().startswith(("from ", "import ")):
                above -= 1
            said = lines[node.lineno - 1:node.end_lineno] + ([lines[above]] if above >= 0 else [])
            if not any(LAZY_MARK in line for line in said):
                found.add(node.lineno)
    return sorted(found)


def test_the_lazy_import_check_finds_an_unexplained_import():
    source = (
        "from lms import models\n\n"
        "def a():\n    from lms import services\n\n"
        "def b():\n    from lms.models import Module  # lazy: models load first\n\n"
        "def c():\n    # lazy: the worker loads this at call time\n    import lms.jobs\n\n"
        "def d():\n    from basecamp import services\n    from . import rows\n\n"
        "def e():\n    # lazy: ready(), once the models are loaded\n    from lms import hooks\n    import lms.learner\n\n"
        "    from lms import views\n"
    )
    assert unexplained_own_app_imports(source, "lms") == [4, 15, 22]


def test_no_function_level_import_of_the_own_app_without_a_reason():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = []
    for app in PROJECT_APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for number in unexplained_own_app_imports(path.read_text(), app):
                offenders.append(f"{path.relative_to(root)}:{number}")
    assert not offenders, (
        "function-level imports of the module's own app (move them to the top of the module, or say why with "
        f"`{LAZY_MARK} <reason>`):\n" + "\n".join(offenders)
    )


def test_the_notion_importer_does_not_reach_up_into_cadence_services():
    """cadence.services calls the importer (cadence/notion/), never the other way round."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = []
    for path in sorted((root / "cadence" / "notion").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([node.module or ""] + [f"{node.module}.{a.name}" for a in node.names] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            if any(name == "cadence.services" or name.startswith("cadence.services.") for name in names):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert (root / "cadence" / "notion" / "importer.py").exists()
    assert not offenders, "the Notion importer imports cadence.services:\n" + "\n".join(offenders)


# Plurals that "<verbose_name>s" would get wrong; every other model's plural is that.
UNCOUNTABLE_PLURALS = {
    "frames.Faculty": "faculty", "frames.University": "universities", "lms.ModuleProgress": "module progress",
    "lms.ModuleFeedback": "module feedback", "lms.LearnerSettings": "learner settings", "cadence.RawContent": "raw content",
    "cadence.Person": "people", "basecamp.LearnerPerformance": "learner performance",
    "basecamp.SubsystemCompetency": "subsystem competencies", "basecamp.DataEntry": "data entries",
    "basecamp.ModuleVersionHistory": "module version history",
}


def test_every_model_has_a_readable_name_and_plural():
    offenders = []
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            opts = model._meta
            name, plural = str(opts.verbose_name), str(opts.verbose_name_plural)
            if "_" in name or "_" in plural:
                offenders.append(f"{opts.label}: {name!r} / {plural!r} has an underscore")
            expected = UNCOUNTABLE_PLURALS.get(opts.label)
            if expected is not None and plural != expected:
                offenders.append(f"{opts.label}: plural {plural!r}, expected {expected!r}")
            if expected is None and re.search(r"(s|ss|x|ch|sh|[^aeiou]y)$", name):
                offenders.append(f"{opts.label}: {name!r} needs an explicit plural (add it to UNCOUNTABLE_PLURALS)")
    assert not offenders, "\n".join(offenders)
