"""The API's JSON renderer: orjson (drf-orjson-renderer) writing the same JSON as
DRF's JSONRenderer, several times faster on a 100-row page.

Values orjson does not write the way DRF does go through DRF's own encoder:
date-times (DRF trims microseconds to milliseconds and writes UTC as Z), decimals,
lazy strings, querysets and the like. Keys that are not strings become strings, as
json.dumps makes them."""

import orjson
from drf_orjson_renderer.renderers import ORJSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_drf_encoder = JSONEncoder()


def _default(value):
    return _drf_encoder.default(value)


class FramesJSONRenderer(ORJSONRenderer):
    options = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS

    def render(self, data, media_type=None, renderer_context=None):
        if data is None:
            return b""
        options = self.options
        if media_type and self.html_media_type in media_type:
            options |= orjson.OPT_INDENT_2
        return orjson.dumps(data, default=_default, option=options)
