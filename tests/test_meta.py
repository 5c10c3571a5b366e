"""Meta-tests over every app of the project (frames, analytics, cadence, lms,
basecamp): each model is in the admin, with the shared base classes, an import
resource and a declared university scope where it holds university data; each
API route has a filter set; and every route under /api/v1/ refuses anonymous
requests. They fail naming the model or route that has the gap."""

import ast
import importlib
import io
import re
import subprocess
import tokenize
from pathlib import Path

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


ROOT = Path(__file__).resolve().parent.parent


def repository_files():
    """The files of the repository (git's list, tracked and not ignored; every file outside a checkout)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=False)
    files = [ROOT / name for name in listed.stdout.splitlines()] if listed.returncode == 0 else list(ROOT.rglob("*"))
    return [path for path in files if path.is_file() and not {".venv", "node_modules"} & set(path.parts)]


def test_no_file_cites_files_outside_the_repository():
    root = ROOT
    offenders = []
    for path in repository_files():
        if path.suffix not in CHECKED_SUFFIXES or path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if OUTSIDE_REFERENCES.search(line):
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()[:100]}")
    assert not offenders, "files cite names outside the repository (cite docs/ instead):\n" + "\n".join(offenders)


# What the prose names (docs/, README.md, code comments and docstrings): a module, function,
# class or model of the project (`lms.config_checks.game_errors`, `frames.Student`), or a file
# (`lms/models/modules.py`, `docs/screenshots/lms-*.png`; static files and templates by their
# app-relative path). A name that
# is none of these stands in the code's strings (a check id, a Celery task, a host) or is a permission
# or a benchmark figure (bench/results.json); anything else no longer resolves.
DOTTED_NAME = re.compile(r"(?<![\w./-])((?:frames|analytics|cadence|lms|basecamp)(?:\.[A-Za-z_]\w*)+)")
FILE_PATH = re.compile(r"(?<![\w./-])((?:frames|analytics|cadence|lms|basecamp|docs|tests|bench)/[\w./*-]*[\w*])")
FILE_SUFFIX = re.compile(r"\.(py|md|html|js|css|sql|json|txt|csv|svg|png)$")
PERMISSION = re.compile(r"^\w+\.(add|change|delete|view)_\w+$")


def prose_lines(path):
    """(line number, text) of what a reader reads: every line of Markdown; a Python file's
    comments and docstrings."""
    text = path.read_text(errors="replace")
    if path.suffix == ".md":
        yield from enumerate(text.splitlines(), 1)
        return
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and (doc := ast.get_docstring(node, clean=False)):
            yield from enumerate(doc.splitlines(), node.body[0].lineno)


def code_strings(paths):
    """Every string the Python code holds (not its docstrings), and the fixed start of each f-string."""
    strings = set()
    for path in paths:
        tree = ast.parse(path.read_text())
        docstrings = {id(node.body[0].value) for node in ast.walk(tree) if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                      and ast.get_docstring(node, clean=False)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                strings.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                strings.add(node.values[0].value)
    return strings


def names_something(dotted):
    parts = dotted.split(".")
    try:
        apps.get_model(parts[0], parts[1])
        return len(parts) == 2
    except (LookupError, ValueError):
        pass
    for n in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:n]))
        except ImportError:
            continue
        for attr in parts[n:]:
            if not hasattr(found, attr):
                return False
            found = getattr(found, attr)
        return True
    return False


def test_the_reference_check_tells_a_gone_name_from_a_real_one():
    assert names_something("lms.config_checks.game_errors") and names_something("frames.Student") and names_something("lms.models.Module.title")
    assert not names_something("lms.prerequisites.cycle_error") and not names_something("lms.adaptive.hint_reveal")
    assert not names_something("frames.Nobody")


def test_every_name_and_path_the_prose_cites_resolves():
    files = [path for path in repository_files() if path.suffix in {".py", ".md"} and "migrations" not in path.parts]
    strings = code_strings(path for path in files if path.suffix == ".py" and path.parts[len(ROOT.parts)] in (*PROJECT_APPS, "bench"))
    figures = (ROOT / "bench" / "results.json").read_text() if (ROOT / "bench" / "results.json").exists() else ""
    offenders = []
    for path in files:
        for number, line in prose_lines(path):
            for match in DOTTED_NAME.finditer(line):
                name = match.group(1)
                if FILE_SUFFIX.search(name) or names_something(name) or PERMISSION.match(name) or f'"{name}' in figures:
                    continue
                if not any(name in text or (text.endswith(("_", ".")) and name.startswith(text)) for text in strings):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {name}")
            for match in FILE_PATH.finditer(line):
                cited = match.group(1).rstrip(".")
                app = cited.split("/")[0]
                if not any(next((ROOT / base).glob(cited), None) for base in ("", f"{app}/static", f"{app}/templates")):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {cited}")
    assert not offenders, "the prose names what is not in the repository (renamed, moved or deleted?):\n" + "\n".join(offenders)


def test_public_api_routes_still_exist():
    """The allowlist names real routes (a renamed route must not slip past the check)."""
    names = {name for _, name, _, _ in api_routes()}
    for name in PUBLIC_API_ROUTES:
        assert name in names, f"{name} is allowlisted as public but no longer exists"


# A function-level import of a module's own app hides an import cycle the package layout
# should remove (docs/architecture.md, "Imports"): move the piece both modules need to a
# lower module, or invert the dependency, and import at the top. It fails here, marked or
# not, except where the import must wait for the apps to be ready, said on the import with
# `# lazy: <why>`: an AppConfig's ready() and the rest of apps.py (loaded before the models),
# and the modules below that load before the models. Optional or heavy third-party
# dependencies (sklearn, playwright) may wait inside the function that needs them; they are
# never the app's own modules, so this check leaves them alone.
LAZY_MARK = "# lazy:"
LOADED_BEFORE_THE_MODELS = {  # module: (the own-app module it imports inside a function, why)
    "frames/celery.py": ("frames.jobs", "the Celery app loads with the settings; frames.jobs needs the models"),
    "frames/legacy/__init__.py": ("frames.legacy.registry", "the package's plain modules load anywhere; the registry's TABLES need the models"),
}


def function_level_own_app_imports(source, app, path):
    """Line numbers of imports of `app` inside functions of the module at `path` (relative,
    e.g. "lms/views.py") that are not allowed: anywhere but apps.py and
    LOADED_BEFORE_THE_MODELS, and there without a `# lazy:` comment on the import's lines or
    on the line above its group of import lines."""
    import ast

    lines = source.splitlines()
    may_wait = path.endswith("/apps.py")
    allowed_module = LOADED_BEFORE_THE_MODELS.get(path, ("",))[0]
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
            own = [name for name in names if name == app or name.startswith(app + ".")]
            if not own:
                continue
            if not (may_wait or all(name == allowed_module for name in own)):
                found.add(node.lineno)
                continue
            above = node.lineno - 2
            while above >= 0 and lines[above].strip().startswith(("from ", "import ")):
                above -= 1
            said = lines[node.lineno - 1:node.end_lineno] + ([lines[above]] if above >= 0 else [])
            if not any(LAZY_MARK in line for line in said):
                found.add(node.lineno)
    return sorted(found)


def test_the_lazy_import_check_finds_own_app_imports_in_functions():
    source = (
        "from lms import models\n\n"
        "def a():\n    from lms import services\n\n"
        "def b():\n    from lms.models import Module  # lazy: models load first\n\n"
        "def c():\n    # lazy: the worker loads this at call time\n    import lms.jobs\n\n"
        "def d():\n    from basecamp import services\n    from . import rows\n\n"
        "def e():\n    import sklearn  # lazy: optional, heavy\n    import lms\n"
    )
    assert function_level_own_app_imports(source, "lms", "lms/views.py") == [4, 7, 11, 15, 19]
    ready = (
        "class LmsConfig:\n    def ready(self):\n        # lazy: ready(), once the models are loaded\n        from lms import hooks\n"
        "        import lms.learner\n\n        from lms import views\n"
    )
    assert function_level_own_app_imports(ready, "lms", "lms/apps.py") == [7]
    assert function_level_own_app_imports(ready, "lms", "lms/hooks.py") == [4, 5, 7]
    before = "def f():\n    from frames.jobs import x  # lazy: before the models\n    from frames.models import y  # lazy: no\n"
    assert function_level_own_app_imports(before, "frames", "frames/celery.py") == [3]


def test_no_function_level_import_of_the_own_app():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    offenders = []
    for app in PROJECT_APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            relative = path.relative_to(root).as_posix()
            for number in function_level_own_app_imports(path.read_text(), app, relative):
                offenders.append(f"{relative}:{number}")
    for path in LOADED_BEFORE_THE_MODELS:
        assert (root / path).is_file(), f"LOADED_BEFORE_THE_MODELS names {path}, which is gone"
    assert not offenders, (
        "function-level imports of the module's own app: move the piece both modules need to a lower module or invert the "
        f"dependency, and import at the top (only apps.py and {', '.join(LOADED_BEFORE_THE_MODELS)} wait, with `{LAZY_MARK} <why>`):\n"
        + "\n".join(offenders)
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


# ---------------------------------------------------------------- help texts are for the people filling the forms

# A help text tells a coordinator (or faculty member, or module author) what to enter: a file
# of the code, a folder of it, demo "seed" data or a TODO is a developer's note and fails here.
DEVELOPER_NOTE = re.compile(
    r"\.py\b|\bseed|\bTODO\b|\bFIXME\b"
    r"|(?<![\w/])(?:frames|analytics|cadence|lms|basecamp|tests|docs|bench)/"  # a folder of the code
    r"|(?<![\w.])[\w-]+(?:/[\w.-]+)+\.[a-z]{1,5}\b",  # a file path: folder/file.ext
    re.IGNORECASE,
)
# Help texts the check flags that still say what the reader needs, each with its reason.
HELP_TEXTS_ALLOWED = {
    "lms.forms.ModuleSectionForm.sandbox_file_name": "the author names the student's Python file (main.py), not a file of ours",
}
FORM_MODULES = {"forms", "admin", "filtersets", "filters"}


def help_texts():
    """(where, text) of every help text a form or filter shows: the project's model fields, and the
    fields of every form and filter set defined in the apps' forms, admin and filtersets modules."""
    import importlib
    import inspect
    import pkgutil

    import django_filters
    from django import forms

    found = []
    for model in project_models():
        for field in model._meta.get_fields():
            if getattr(field, "help_text", ""):
                found.append((f"{model._meta.label}.{field.name}", str(field.help_text)))
    for label in PROJECT_APPS:
        package = apps.get_app_config(label).module
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if info.name.rsplit(".", 1)[-1] not in FORM_MODULES or ".migrations" in info.name:
                continue
            module = importlib.import_module(info.name)
            for name, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ != module.__name__:
                    continue
                if issubclass(cls, forms.BaseForm):
                    fields = {key: field.help_text for key, field in cls.base_fields.items()}
                elif issubclass(cls, django_filters.FilterSet):
                    fields = {key: flt.extra.get("help_text") for key, flt in cls.base_filters.items()}
                else:
                    continue
                found.extend((f"{module.__name__}.{name}.{key}", str(text)) for key, text in fields.items() if text)
    return found


def test_the_help_text_check_finds_developer_notes():
    notes = ["Filled by frames/demo.py.", "See lms/models/modules.py", "Set by the demo seed.", "TODO: explain",
             "Kept in basecamp/ for now.", "Read from tests/fixtures/skills.json"]
    plain = ["e.g. share, interfaces, hours/week.", "The workspace's time zone (e.g. America/Los_Angeles).",
             "Only cross-university (true) or same-university (false) interfaces.", "The to-dos of the page."]
    assert [text for text in notes if not DEVELOPER_NOTE.search(text)] == []
    assert [text for text in plain if DEVELOPER_NOTE.search(text)] == []


def test_help_texts_carry_no_developer_notes():
    texts = help_texts()
    assert len(texts) >= 150, len(texts)  # the walk found the models, forms and filter sets
    where = {place for place, _ in texts}
    assert set(HELP_TEXTS_ALLOWED) <= where, f"HELP_TEXTS_ALLOWED names help texts that are gone: {set(HELP_TEXTS_ALLOWED) - where}"
    offenders = [f"{place}: {text!r}" for place, text in texts if place not in HELP_TEXTS_ALLOWED and DEVELOPER_NOTE.search(text)]
    assert not offenders, "help texts with developer notes (write what the reader needs):\n" + "\n".join(offenders)
