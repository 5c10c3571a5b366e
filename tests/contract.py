"""Contract tests: every project model declares once what its tests need, and
`tests/test_contracts.py` generates the same checks for all of them (NetBox's
`utilities/testing` views and API test cases are the model).

A declaration (`Contract`, in `tests/<app>/contracts.py`) names the model and what
differs between models:

- `endpoint`: the API list path (`/api/v1/students/`), or None;
- `rows_a(w)` / `rows_b(w)`: the primary keys of university A's and B's rows in
  `security_world` (defaults: what faculty of A may see and what they may not);
- `grow(w, n)`: a factory adding n rows in university A (with their relations
  filled), for the query counts;
- `create(w)` / `patch(w)`: API payloads of a new row and of a change; the admin
  forms use `admin_create(w)` / `admin_patch(w)`, defaulting to the same values;
- `api_writes` / `admin_writes`: which of create/change/delete each path takes
  (by default what the viewset's methods and the admin's permissions allow);
- `faculty`: what faculty of A get: "scoped" (their university's rows), "all"
  (shared records), "none" (refused), "own" (only what they did, e.g. their jobs);
  `student`: "none" or "own" (a student's own rows, e.g. progress);
- `known_gaps`: {check: reason} for a check that fails today for a known reason (the
  check still runs and must fail; it is reported once it passes).

The generated checks, per model (each failure names the model and the check):
roles (anonymous and student refusals, faculty of A see A's rows and get B's as a
missing id, coordinator and superuser see all); audited writes through the API and
the admin (exactly one audit row with the exact changes and the acting user);
constant list and changelist queries from a few rows to 50 more, at or under
`tests/query_counts.json`; export then re-import changes nothing; the OpenAPI schema
documents the endpoint's fields."""

import fcntl
import importlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

BASELINE_FILE = Path(__file__).parent / "query_counts.json"
# CONTRACT_QUERY_BASELINE=write records the counts measured instead of checking them
# (run once per database after a deliberate change; review the diff).
WRITE_BASELINE = os.environ.get("CONTRACT_QUERY_BASELINE") == "write"
APPS_WITH_CONTRACTS = ("frames", "analytics", "cadence", "lms", "basecamp")
WRITES = ("create", "change", "delete")


@dataclass
class Contract:
    model: type
    grow: Callable
    endpoint: str | None = None
    rows_a: Callable | None = None
    rows_b: Callable | None = None
    create: Callable | None = None
    patch: Callable | None = None
    admin_create: Callable | None = None
    admin_patch: Callable | None = None
    api_writes: tuple | None = None  # None: what the viewset's methods allow
    api_refusals: dict | None = None  # write -> code for the writes a coordinator is refused (default: 405 if not offered, else 403)
    admin_writes: tuple | None = None  # None: what the admin lets coordinators do
    faculty: str = "scoped"
    faculty_admin: str | None = None
    faculty_sees_growth: bool = True  # False where `grow` cannot add rows faculty of A see (universities)
    student_sees_growth: bool = True  # student "own": `grow` adds rows the student of A reads
    student: str = "none"
    student_rows: Callable | None = None  # student "own": the keys the student of A reads (default: the model's scope)
    # check name -> why it fails today: the check must fail (it is reported when it passes).
    known_gaps: dict = field(default_factory=dict)

    @property
    def label(self):
        return self.model._meta.label

    @property
    def admin_faculty(self):
        return self.faculty_admin or self.faculty

    @property
    def admin_url(self):
        if self.model not in admin.site._registry:
            return None
        return f"/admin/{self.model._meta.app_label}/{self.model._meta.model_name}/"


def api_writes(contract):
    if contract.api_writes is not None:
        return contract.api_writes
    from django.urls import resolve

    listing, detail = resolve(contract.endpoint).func, resolve(f"{contract.endpoint}1/").func
    methods = listing.cls.http_method_names

    def takes(view, method):
        return method in view.actions and method in methods

    return tuple(name for name, yes in zip(WRITES, (takes(listing, "post"), takes(detail, "patch"), takes(detail, "delete")), strict=True) if yes)


def admin_writes(contract, user):
    if contract.admin_writes is not None:
        return contract.admin_writes
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    model_admin = admin.site._registry[contract.model]
    allowed = (model_admin.has_add_permission(request), model_admin.has_change_permission(request), model_admin.has_delete_permission(request))
    return tuple(name for name, yes in zip(WRITES, allowed, strict=True) if yes)


def fresh_row(contract, w):
    """The key of a new row nothing points at (for a delete where no create is offered)."""
    model = contract.model
    before = {str(pk) for pk in model._base_manager.values_list("pk", flat=True)}
    contract.grow(w, 1)
    (pk,) = {str(pk) for pk in model._base_manager.values_list("pk", flat=True)} - before
    return pk


def contracts():
    """Every declared contract, in app order."""
    found = []
    for app in APPS_WITH_CONTRACTS:
        module = importlib.import_module(f"tests.{app}.contracts")
        found.extend(module.CONTRACTS)
    return found


# ------------------------------------------------------------------ helpers


def missing_pk(model):
    """A key no row has, of the model's key type (B's rows must answer exactly like it)."""
    internal = model._meta.pk.get_internal_type()
    return "999999999" if "Integer" in internal or "AutoField" in internal else "no-such-row"


def count_queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    return len(ctx.captured_queries), response


def listed_pks(contract, response):
    """The primary keys a list answer holds (the serializer's key field)."""
    key = pk_key(contract)
    return {str(row[key]) for row in response.json()["results"]}


def pk_key(contract):
    from django.urls import resolve

    view = resolve(contract.endpoint).func.cls
    fields = view.serializer_class().fields
    pk = contract.model._meta.pk
    for name, serializer_field in fields.items():
        if serializer_field.source in (pk.name, pk.attname, "pk"):
            return name
    raise AssertionError(f"{contract.label}: the serializer has no field for the primary key {pk.name}")


def strs(values):
    return {str(v) for v in values}


# ------------------------------------------------------------------ admin forms


def admin_form_data(response):
    """The POST data a change or add form would submit as it stands: every field's
    current value, inline formsets included (their management forms and rows)."""
    context = response.context
    data = {}
    forms = [context["adminform"].form]
    for inline in context.get("inline_admin_formsets", []):
        formset = inline.formset
        forms.extend([formset.management_form, *formset.forms])
    for form in forms:
        for bound in (form[name] for name in form.fields):
            put_value(data, bound.html_name, bound.field.widget, bound.value())
    return data


def put_value(data, name, widget, value):
    from django.forms import CheckboxInput, MultiWidget

    if isinstance(widget, MultiWidget) and not isinstance(value, (list, tuple)):
        value = widget.decompress(value)
    if isinstance(widget, MultiWidget):
        for index, (sub, part) in enumerate(zip(widget.widgets, value or [None] * len(widget.widgets), strict=False)):
            put_value(data, f"{name}_{index}", sub, part)
        return
    if isinstance(widget, CheckboxInput):
        if value:
            data[name] = "on"
        else:
            data.pop(name, None)
        return
    if value is None:
        data[name] = ""
    elif isinstance(value, (list, tuple)):
        data[name] = [str(v) for v in value]
    else:
        data[name] = str(value)


def form_values(values):
    """API-style values as a form submits them."""
    out = {}
    for name, value in values.items():
        if isinstance(value, (dict, list)) and not (isinstance(value, list) and all(isinstance(v, (str, int)) for v in value)):
            out[name] = json.dumps(value)
        elif value is True:
            out[name] = "on"
        elif value is False:
            out[name] = None
        elif value is None:
            out[name] = ""
        else:
            out[name] = value
    return out


def apply_form_values(data, values):
    for name, value in form_values(values).items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def form_errors(response):
    context = response.context
    if not context or "adminform" not in context:
        return f"status {response.status_code}"
    errors = dict(context["adminform"].form.errors)
    for inline in context.get("inline_admin_formsets", []):
        errors.update({f"inline {inline.formset.prefix}": inline.formset.errors})
    return errors


# ------------------------------------------------------------------ query baseline


def baseline():
    if not BASELINE_FILE.exists():
        return {}
    return json.loads(BASELINE_FILE.read_text())


def check_baseline(key, measured):
    """Measured queries at or under the stored baseline for this database."""
    vendor = connection.vendor
    if WRITE_BASELINE:
        with open(Path(tempfile.gettempdir()) / "frames-query-counts.lock", "w") as lock:  # workers write one at a time
            fcntl.flock(lock, fcntl.LOCK_EX)
            stored = baseline()
            stored.setdefault(vendor, {})[key] = measured
            stored[vendor] = dict(sorted(stored[vendor].items()))
            BASELINE_FILE.write_text(json.dumps(dict(sorted(stored.items())), indent=1) + "\n")
        return
    allowed = baseline().get(vendor, {}).get(key)
    assert allowed is not None, f"{key}: no baseline in {BASELINE_FILE.name} for {vendor} (run with CONTRACT_QUERY_BASELINE=write)"
    assert measured <= allowed, f"{key}: {measured} queries, baseline {allowed} ({BASELINE_FILE.name})"

