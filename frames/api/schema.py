"""The OpenAPI schema, generated once per process.

Generating and rendering the schema walks every viewset and serializer (about a
second of CPU); it only changes when the code does, so each rendering (YAML,
JSON, per language) is kept after the first request and later requests cost a
dictionary lookup. The schema is the same for every role (it lists every
endpoint, public or not, as drf-spectacular's SERVE_PUBLIC does), so one copy
serves all. It stays public, under the API's throttling (`THROTTLE_ANON`
per address, `THROTTLE_USER` per account), so scripts and the docs page need no
login to read it."""

import contextlib
import threading

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView

_rendered = {}  # (media type, version, language) -> (body, Content-Disposition)
_lock = threading.Lock()


def clear_schema_cache():
    """Forget the rendered schemas (tests that change the URLconf or settings)."""
    with _lock:
        _rendered.clear()


class CachedSchemaView(SpectacularAPIView):
    def _get_version_parameter(self, request):
        return None  # the API is not versioned by query string

    @extend_schema(**SCHEMA_KWARGS)  # described as drf-spectacular describes its own view
    def get(self, request, *args, **kwargs):
        # Only values from a fixed set make a key, so query strings cannot fill the cache
        # (or force a regeneration per request): no ?version=, languages from LANGUAGES.
        version = self.api_version or request.version
        lang = request.GET.get("lang") if settings.USE_I18N else None
        if lang not in {code for code, _ in settings.LANGUAGES}:
            lang = None
        renderer, media_type = request.accepted_renderer, request.accepted_media_type
        key = (media_type, version, lang)
        with _lock:
            hit = _rendered.get(key)
            if hit is None:
                with translation.override(lang) if lang else contextlib.nullcontext():
                    response = self._get_schema_response(request)
                body = renderer.render(response.data, media_type, self.get_renderer_context())
                hit = _rendered[key] = (body, response["Content-Disposition"])
        body, disposition = hit
        content_type = f"{media_type}; charset={renderer.charset}" if renderer.charset else media_type
        return HttpResponse(body, content_type=content_type, headers={"Content-Disposition": disposition})

