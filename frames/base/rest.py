"""Pagination and error handling named in REST_FRAMEWORK settings. Kept apart
from frames.base.api because DRF imports these while its own modules load."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler

from frames.services import validation_messages


def _positive_whole_number(value: str) -> bool:
    return value.isascii() and value.isdigit() and int(value) > 0


class FramesPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        # A page_size that is not a positive whole number is a 400 naming it, not silently 50.
        value = request.query_params.get(self.page_size_query_param)
        if value is not None and not _positive_whole_number(value):
            raise exceptions.ValidationError({self.page_size_query_param: ["A positive whole number (a page holds at most 500 rows)."]})
        return super().get_page_size(request)

    def get_page_number(self, request, paginator):
        value = request.query_params.get(self.page_query_param)
        if value is not None and value not in self.last_page_strings and not _positive_whole_number(value):
            raise exceptions.ValidationError({self.page_query_param: ["A positive whole number."]})
        return super().get_page_number(request, paginator)


def exception_handler(exc, context):
    """Model validation, database refusals and scope refusals become 4xx with
    the field named, never a 500."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_messages(exc))
    elif isinstance(exc, IntegrityError):
        exc = exceptions.ValidationError({"non_field_errors": [f"The database refused this change: {str(exc).splitlines()[0]}"]})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
