"""Refuse NUL characters in URLs, query strings and submitted forms with a 400.

PostgreSQL text cannot hold NUL: a NUL that reaches a query (an admin object
id, a list filter, an autocomplete term, a form's foreign-key choice) fails
in the database as a 500. JSON bodies are checked by FramesSerializer."""

from django.http import JsonResponse

from frames.params import bad_request_page

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(query_dict):
    return any("\x00" in key or any("\x00" in value for value in values if isinstance(value, str)) for key, values in query_dict.lists())


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = "\x00" in request.path or _has_nul(request.GET)
        if not bad and request.method == "POST" and request.content_type in FORM_TYPES and not request.path.startswith("/api/"):
            bad = _has_nul(request.POST)
        if bad:
            message = "NUL characters are not allowed in requests."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return bad_request_page(request, message)
        return self.get_response(request)
