"""Login lockout (django-axes) with a limit per rule.

AXES_LOCKOUT_PARAMETERS holds two rules: a username *from one address*
(AXES_FAILURE_LIMIT failures) and an address whatever the usernames
(AXES_ADDRESS_FAILURE_LIMIT, higher: a classroom shares one address). Axes
compares one count with one limit, so the address count is given in the
first rule's units. A username alone never locks: anyone could lock any
known account for everyone by mistyping its password ten times."""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


class FramesAxesHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        counts = [attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
                  for attempts in self.get_user_attempts(request, credentials)]
        if len(counts) != 2:  # rules changed in settings: axes' own rule (any rule past the limit)
            return max(counts, default=0)
        pair, address = counts
        limit, address_limit = settings.AXES_FAILURE_LIMIT, settings.AXES_ADDRESS_FAILURE_LIMIT
        # address >= address_limit  <=>  address * limit // address_limit >= limit
        return max(pair, address * limit // address_limit)

    def reset_user_attempts(self, request, credentials=None) -> int:
        # A good login clears that username's failures from that address, not the address's
        # count: one valid account must not let a password sprayer start the address over.
        attempts_list = self.filter_user_attempts(request, credentials)
        if len(attempts_list) != 2:
            return super().reset_user_attempts(request, credentials)
        count, _ = attempts_list[0].delete()
        return count
