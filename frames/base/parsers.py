"""The API's JSON parser (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES). Its own module:
DRF resolves parser classes while its views module loads, so this must not be
imported by anything DRF itself imports (frames.base.rest is)."""

from django.conf import settings
from rest_framework import renderers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from frames.params import ParamError, json_loads


class FramesJSONParser(BaseParser):
    """Every JSON body the API reads: decoded strictly by orjson (UTF-8 only, no NaN,
    no lone surrogates, which PostgreSQL cannot store) and refused when nested deeper
    than JSON_MAX_DEPTH, before any serializer or walker recurses into it."""

    media_type = "application/json"
    renderer_class = renderers.JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        # DRF reads the body from the stream, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE
        # check (which guards request.body and forms): the same limit, checked here, and
        # answered as Django answers an oversized form (400).
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise ParseError(f"The request body is larger than {limit:,} bytes (DATA_UPLOAD_MAX_MEMORY_SIZE).")
        try:
            return json_loads(body)
        except ParamError as exc:
            raise ParseError(exc.message_text) from None
