"""The filters every staff dashboard shares: a university (coordinators any, faculty only
their own), the students' cohort (the year of their graduation term, or an outcome's
cohort year) and a date range. One parser, one set of choices, one form template
(frames/_dashboard_filters.html) and one CSV-link helper, used by the analytics pages,
the module dashboards and the skills review pages (docs/analytics.md, "Filters").

A value that cannot be used (a cohort "twenty", 2026-02-30, an end before the start) is
not a 400 on a page: the page renders without that filter and says why beside the form.
A CSV export is stricter (`strict=True`): a file must never silently drop a filter, so
a bad value answers 400 naming the parameter. A university the user may not see is a
404, like a missing one (no existence oracle)."""

import dataclasses
import datetime
import re
from urllib.parse import urlencode

from django.db.models import Q
from django.http import Http404

from frames.models import Student, University
from frames.params import ParamError, int_param
from frames.roles import is_unrestricted, university_of
from frames.scoping import scope_queryset

UNIVERSITY, COHORT, DATES = "university", "cohort", "dates"
ALL = (UNIVERSITY, COHORT, DATES)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclasses.dataclass(frozen=True)
class DashboardFilters:
    """What a dashboard is narrowed to, and the messages of the values it could not use."""

    university: University | None = None
    cohort: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    errors: tuple = ()  # ((parameter, message), ...)

    def students(self, prefix="student__") -> Q:
        """Rows whose student is of the university and cohort (prefix "" for Student itself)."""
        q = Q()
        if self.university is not None:
            q &= Q(**{f"{prefix}university_id": self.university.pk})
        if self.cohort is not None:
            q &= Q(**{f"{prefix}graduation_term__endswith": f" {self.cohort}"})
        return q

    def dates(self, field) -> Q:
        """Rows whose `field` (a date, or a date-time compared by its date) is in the range."""
        q = Q()
        lookup = field if field.endswith("date") else f"{field}__date"
        if self.date_from is not None:
            q &= Q(**{f"{lookup}__gte": self.date_from})
        if self.date_to is not None:
            q &= Q(**{f"{lookup}__lte": self.date_to})
        return q

    def query(self) -> dict:
        """The filters in use as query parameters (the CSV links and row links keep them)."""
        values = {"university": self.university.pk if self.university else None, "cohort": self.cohort,
                  "from": self.date_from.isoformat() if self.date_from else None, "to": self.date_to.isoformat() if self.date_to else None}
        return {k: v for k, v in values.items() if v is not None}

    @property
    def active(self) -> bool:
        return bool(self.query())


NO_FILTERS = DashboardFilters()


def _date(raw, name):
    if not raw:
        return None
    if _ISO_DATE.fullmatch(raw):
        try:
            return datetime.date.fromisoformat(raw)
        except ValueError:  # 2026-02-30
            pass
    raise ParamError(name, "A date such as 2026-09-01.")


def visible_universities(user):
    """The universities a user may narrow a dashboard to: every one for coordinators, their own for faculty."""
    if is_unrestricted(user):
        return University.objects.all()
    return University.objects.filter(pk=university_of(user))


def dashboard_filters(params, user, *, fields=ALL, strict=False) -> DashboardFilters:
    """The filters of a request's query string (only `fields`; other parameters are left
    alone). `strict`: raise the first ParamError instead of collecting it."""
    values, errors = {}, []

    def parse(name, fn):
        try:
            return fn()
        except ParamError as error:
            if strict:
                raise
            errors.append((error.name, error.message_text))
            return None

    if UNIVERSITY in fields:
        code = (params.get("university") or "").strip()
        if code:
            values["university"] = visible_universities(user).filter(pk=code).first()
            if values["university"] is None:
                raise Http404(f"university: no university {code}.")
    if COHORT in fields:
        values["cohort"] = parse("cohort", lambda: int_param(params.get("cohort") or None, name="cohort", minimum=1900, maximum=2200,
                                                             message="A year such as 2027."))
    if DATES in fields:
        values["date_from"] = parse("from", lambda: _date(params.get("from"), "from"))
        values["date_to"] = parse("to", lambda: _date(params.get("to"), "to"))
        if values["date_from"] and values["date_to"] and values["date_from"] > values["date_to"]:
            error = ParamError("to", "The end date is before the start date.")
            if strict:
                raise error
            errors.append((error.name, error.message_text))
            values["date_to"] = None
    return DashboardFilters(**values, errors=tuple(errors))


def cohort_years(user) -> list[int]:
    """The graduation years of the students in the user's scope (the cohort choices)."""
    terms = scope_queryset(Student.objects.exclude(graduation_term=""), user).order_by().values_list("graduation_term", flat=True).distinct()
    years = set()
    for term in terms:
        year = term.rsplit(" ", 1)[-1]
        if year.isascii() and year.isdigit():
            years.add(int(year))
    return sorted(years)


def filter_context(request, filters: DashboardFilters, *, fields=ALL, cohorts=None, cohort_label="Cohort (graduation year)",
                   date_label="", keep=None) -> dict:
    """What frames/_dashboard_filters.html needs. `cohorts`: the cohort choices when they
    are not the students' graduation years (e.g. outcomes' cohort years); `date_label` says
    what the date range applies to; `keep`: other parameters the form carries along."""
    unrestricted = is_unrestricted(request.user)
    universities = list(visible_universities(request.user).order_by("name").values_list("pk", "name")) if UNIVERSITY in fields else []
    query = urlencode({**(keep or {}), **filters.query()})
    return {
        "filters": filters,
        "filter_fields": fields,
        "filter_query": query,
        "filters_only_query": urlencode(filters.query()),  # without `keep` (links that set those themselves)
        # `export_prefix` + "export=...": the CSV of what the page shows, same filters.
        "export_prefix": f"?{query}&" if query else "?",
        "universities": universities,
        # Faculty's university is fixed: the form names it instead of offering a choice.
        "university_fixed": universities[0] if universities and not unrestricted else None,
        "cohorts": (cohort_years(request.user) if cohorts is None else cohorts) if COHORT in fields else [],
        "cohort_label": cohort_label,
        "date_label": date_label,
        "filter_keep": sorted((keep or {}).items()),
    }
