"""The API's JSON parser (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES). Its own module:
DRF resolves parser classes while its views module loads, so this must not be
imported by anything DRF itself imports (frames.base.rest is)."""

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
        try:
            return json_loads(stream.read())
        except ParamError as exc:
            raise ParseError(exc.message_text) from None
