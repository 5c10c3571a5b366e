"""Page-number pagination that skips COUNT(*) when the page itself tells the total:
on page 1 with fewer rows than a page (a student's own list, nearly always), the
count is the number of rows. Same response shape and parameters as FramesPagination."""

from rest_framework.exceptions import NotFound

from frames.base.rest import FramesPagination


class CountLightPagination(FramesPagination):
    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        number = self.page_number(request)  # a bad or huge page is a 400 naming `page`
        if number in self.last_page_strings:
            return super().paginate_queryset(queryset, request, view)
        offset = (number - 1) * size
        rows = list(queryset[offset: offset + size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if not more and (rows or number == 1):
            self._count = offset + len(rows)
        else:
            self._count = queryset.count()
            if not rows and number != 1:
                raise NotFound("Invalid page.")
        self._number, self._size, self._more = number, size, more
        self.page = None
        return rows

    def get_paginated_response(self, data):
        from collections import OrderedDict

        from rest_framework.response import Response

        return Response(OrderedDict([("count", self._count), ("next", self.get_next_link()), ("previous", self.get_previous_link()),
                                     ("results", data)]))

    def get_next_link(self):
        if self.page is not None:
            return super().get_next_link()
        if not self._more:
            return None
        from rest_framework.utils.urls import replace_query_param

        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, self._number + 1)

    def get_previous_link(self):
        if self.page is not None:
            return super().get_previous_link()
        if self._number <= 1:
            return None
        from rest_framework.utils.urls import remove_query_param, replace_query_param

        url = self.request.build_absolute_uri()
        if self._number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self._number - 1)
