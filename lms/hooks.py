"""Panels other apps add to the learner pages (basecamp's ghost race, competency ...).

PLAYER_PANELS: callables panel(request, module, progress) -> safe HTML str or None, each
rendered in an <aside> next to the section in the module player.
MY_LEARNING_PANELS: callables panel(request, student) -> safe HTML str or None, rendered on
"My learning". Return markup built with format_html/render_to_string (already escaped).
A panel that raises is logged and left out; the page still renders.
HOME_TODO_PANELS: callables panel(request, student) -> HTML or None, parts of Home's to-do list.
PROFILE_PANELS: callables panel(request, student) -> HTML or None, on the profile page.
MY_DATA: callables data(student) -> (key, JSON-able value), sections of "Download my data"."""

import logging

from django.utils.safestring import mark_safe

logger = logging.getLogger(__name__)

PLAYER_PANELS = []
MY_LEARNING_PANELS = []
HOME_TODO_PANELS = []
PROFILE_PANELS = []
MY_DATA = []


def render_panels(panels, *args):
    out = []
    for panel in list(panels):
        try:
            html = panel(*args)
        except Exception:  # one broken panel must not take the learner page down
            logger.exception("lms panel %r failed", panel)
            continue
        if html:
            out.append(mark_safe(str(html)))  # noqa: S308 - panels return escaped HTML by contract
    return out
