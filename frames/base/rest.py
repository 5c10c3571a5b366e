"""Pagination and error handling named in REST_FRAMEWORK settings. Kept apart
from frames.base.api because DRF imports these while its own modules load."""

import json
import time

from django.core.exceptions import EmptyResultSet
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable, ValuesIterable
from django.db.models.sql.constants import INNER
from django.http import Http404
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from frames.base.prepared import prepared_reads
from frames.params import BIGINT_MAX, int_param
from frames.scoping import without_uniqueness_details
from frames.services import validation_messages


class FramesPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        # A page_size that is not a positive whole number is a 400 naming it, not silently 50.
        int_param(request.query_params.get(self.page_size_query_param), name=self.page_size_query_param, minimum=1, maximum=None,
                  message="A positive whole number (a page holds at most 500 rows).")
        return super().get_page_size(request)

    def page_number(self, request) -> int | str:
        """The requested page: 1 when absent, a last-page word, or a whole number whose
        OFFSET still fits a bigint (a larger one is a 400 here, not a database error)."""
        value = request.query_params.get(self.page_query_param)
        if value in self.last_page_strings:
            return value
        return int_param(value, name=self.page_query_param, minimum=1, maximum=BIGINT_MAX // self.max_page_size, default=1,
                         message="A positive whole number.")

    def get_page_number(self, request, paginator):
        self.page_number(request)
        return super().get_page_number(request, paginator)

    # -- the page without a full COUNT(*): a page's time must not grow with its table.
    def paginate_queryset(self, queryset, request, view=None):
        """The page's rows plus one (is there a next page?, without a count); `count`
        exact up to COUNT_CAP, past which it is the database's estimate (`list_count`)."""
        size = self.get_page_size(request)
        number = self.page_number(request)
        if not size or number in self.last_page_strings:
            self._light = False
            return super().paginate_queryset(queryset, request, view)
        self.request, self._light = request, True
        offset = (number - 1) * size
        # The capped count rides along in the page's own query (an uncorrelated subquery the
        # database evaluates once): one round trip for the rows and the count.
        estimate = big_table_estimate(queryset)
        counted = None if estimate else with_capped_count(queryset)
        page = (queryset if counted is None else counted)[offset: offset + size + 1]
        with prepared_reads(getattr(queryset, "db", "default")):
            rows = list(page)
        self._more = len(rows) > size
        if not rows and number != 1:
            raise exceptions.NotFound(self.invalid_page_message.format(page_number=number, message="That page contains no results"))
        # Counted even when this page shows the total: a list's queries stay the same whatever its length.
        capped = None if counted is None else pop_capped_count(rows)
        rows = rows[:size]
        self._count = estimate or list_count(queryset, capped=capped)
        self._number = number
        return rows

    def get_paginated_response(self, data):
        if not getattr(self, "_light", False):
            return super().get_paginated_response(data)
        return Response({"count": self._count, "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_next_link(self):
        if not getattr(self, "_light", False):
            return super().get_next_link()
        if not self._more:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, self._number + 1)

    def get_previous_link(self):
        if not getattr(self, "_light", False):
            return super().get_previous_link()
        if self._number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self._number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self._number - 1)

    def get_paginated_response_schema(self, schema):
        out = super().get_paginated_response_schema(schema)
        out["properties"]["count"]["description"] = (
            f"Rows matching the query: exact up to {COUNT_CAP:,}; past that, the database's estimate (never below {COUNT_CAP + 1:,}).")
        return out


# Past this many matching rows a list's `count` is an estimate: counting even 10,000 rows
# costs more than reading a 100-row page (measured: bench/registry.py at full scale), and
# the cost grows with the table. Pages and `next` links are exact whatever the count says.
COUNT_CAP = 1_000


CAPPED_COUNT = "frames_capped_count"


def with_capped_count(queryset):
    """The queryset with every row carrying `CAPPED_COUNT`: its matching rows counted up to
    COUNT_CAP + 1, computed once by the database whatever the page. None for what cannot carry
    it (a list, a sliced or combined queryset, values_list rows): those are counted apart."""
    if not isinstance(queryset, QuerySet) or queryset.query.is_sliced or queryset.query.combinator:
        return None
    if queryset._iterable_class not in (ModelIterable, ValuesIterable):
        return None
    # The same rows without the page's columns (and the joins they bring): FastListMixin names it.
    inner = getattr(queryset, "count_source", queryset).order_by()
    if not inner.query.distinct and inner.query.group_by is None:
        inner = inner.values("pk")  # only the key is counted (an index-only scan where there is one)
    try:
        sql, params = inner[: COUNT_CAP + 1].query.sql_with_params()
    except EmptyResultSet:
        return None  # a filter that matches nothing by construction (`IN ()`): counted apart, without a query
    return queryset.annotate(**{CAPPED_COUNT: RawSQL(f"SELECT COUNT(*) FROM ({sql}) frames_capped", params)})


# An unfiltered list of a table the statistics put past this many rows shows their estimate
# (half again the cap: deletes since the last ANALYZE can hardly bring it under the cap unseen).
ESTIMATE_ABOVE = COUNT_CAP + COUNT_CAP // 2
ESTIMATE_SECONDS = 60  # how long a process keeps a table's row estimate
_estimates = {}


def big_table_estimate(queryset):
    """The planner statistics' row count of an unfiltered list over a big PostgreSQL table
    (reltuples, read at most once a minute per process), else None (the list is counted)."""
    if not isinstance(queryset, QuerySet) or queryset.query.where or queryset.query.distinct or queryset.query.combinator:
        return None
    if queryset.query.is_sliced or queryset.query.group_by is not None or connections[queryset.db].vendor != "postgresql":
        return None
    if any(join.join_type != INNER or join.nullable for join in list(queryset.query.alias_map.values())[1:]):
        return None  # an outer join may add rows; an inner join over a nullable key may drop some
    table, now = queryset.model._meta.db_table, time.monotonic()
    held = _estimates.get((queryset.db, table))
    if held is None or now - held[1] > ESTIMATE_SECONDS:
        with connections[queryset.db].cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
            row = cursor.fetchone()
        held = (int(row[0]) if row and row[0] else 0, now)
        _estimates[(queryset.db, table)] = held
    return held[0] if held[0] > ESTIMATE_ABOVE else None


def pop_capped_count(rows):
    """The capped count carried by a page's rows (taken off them); 0 for an empty first page."""
    if not rows:
        return 0
    count = None
    for row in rows:
        if isinstance(row, dict):
            count = row.pop(CAPPED_COUNT)
        else:
            count = row.__dict__.pop(CAPPED_COUNT)
    return count


def list_count(queryset, capped=None) -> int:
    """Matching rows, counted exactly up to COUNT_CAP. Past it: on PostgreSQL the
    planner's estimate of the query's rows (at least COUNT_CAP + 1), elsewhere exact.
    `capped`: the capped count already read (with_capped_count)."""
    queryset = getattr(queryset, "count_source", queryset)
    if capped is None:
        capped = queryset.order_by()[: COUNT_CAP + 1].count()
    if capped <= COUNT_CAP:
        return capped
    if connections[queryset.db].vendor != "postgresql":
        return queryset.count()
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    # The planner's estimate changes with the statistics, not per request: kept per query
    # as long as a table's row estimate (one round trip less on every page past the cap).
    key, now = ("plan", queryset.db, sql, params), time.monotonic()
    try:
        held = _estimates.get(key)
    except TypeError:  # a parameter that cannot be a key (a list): asked every time
        key, held = None, None
    if held is not None and now - held[1] <= ESTIMATE_SECONDS:
        return held[0]
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    estimate = max(COUNT_CAP + 1, int(plan[0]["Plan"]["Plan Rows"]))
    if key is not None:
        if len(_estimates) > 500:  # many distinct filtered queries: start afresh rather than grow
            _estimates.clear()
        _estimates[key] = (estimate, now)
    return estimate


def exception_handler(exc, context):
    """Model validation, database refusals and scope refusals become 4xx with
    the field named, never a 500."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_messages(without_uniqueness_details(exc)))
    elif isinstance(exc, IntegrityError):
        exc = exceptions.ValidationError({"non_field_errors": [f"The database refused this change: {str(exc).splitlines()[0]}"]})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DataError):
        # A value the column cannot hold (out of range, bad encoding) that validation let through.
        exc = exceptions.ValidationError({"non_field_errors": [f"The database refused a value: {str(exc).splitlines()[0]}"]})
    elif isinstance(exc, RecursionError):
        exc = exceptions.ValidationError({"non_field_errors": ["The input is nested too deeply."]})
    return drf_exception_handler(exc, context)


ERROR_RESPONSES = {
    "400": "Bad input: the fields (or `detail`) named with what is wrong.",
    "401": "No credentials, or unknown/revoked ones.",
    "403": "Your role may not do this.",
    "404": "No such record (or not yours to see), or no such page.",
    "429": "Too many requests (API throttling).",
}


PAGE_BOUNDS = {
    "page": {"minimum": 1, "maximum": BIGINT_MAX // FramesPagination.max_page_size},
    "page_size": {"minimum": 1, "maximum": BIGINT_MAX},  # sizes past max_page_size are capped, not refused
}


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: the answers every operation can give besides
    its own (the exception handler's shapes), and request bodies that refuse unknown
    keys as FramesSerializer does, so the schema says what the API really does."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {"type": "object", "additionalProperties": True,
                        "description": "`detail` (a message) or {field: [messages]}."}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            # The pagination's bounds (FramesPagination: a 400 outside them), stated where the parameters are.
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter.get("name") in PAGE_BOUNDS:
                    parameter.setdefault("schema", {}).update(PAGE_BOUNDS[parameter["name"]])
            for code, text in ERROR_RESPONSES.items():
                responses.setdefault(code, {"description": text, "content": error})
            if "requestBody" in operation:
                responses.setdefault("415", {"description": "The body is not JSON (or a form).", "content": error})
                for media in operation["requestBody"].get("content", {}).values():
                    ref = media.get("schema", {}).get("$ref", "")
                    target = schemas.get(ref.rsplit("/", 1)[-1]) if ref else media.get("schema")
                    if isinstance(target, dict) and target.get("type") == "object" and "properties" in target:
                        target.setdefault("additionalProperties", False)
    return result


def not_found(request, exception):
    """handler404: under /api/ a path that matches no route (e.g. a word where a route
    takes a number) answers like every other API 404, in JSON; elsewhere Django's page."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
