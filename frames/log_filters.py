"""Logging filters (LOGGING in frames/settings.py)."""

import logging

from django.core.exceptions import PermissionDenied


class ExpectedRefusalFilter(logging.Filter):
    """A 403 is an answer, not a fault: keep Django's one-line "Forbidden (Permission
    denied): /path" warning but drop the traceback it attaches."""

    def filter(self, record):
        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied):
            record.exc_info, record.exc_text = None, None
        return True
