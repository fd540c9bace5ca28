"""Pages of a long list that cost the same at either end.

``OFFSET n`` makes the database walk ``n`` rows first, so the last page of 100,000
members cost what reading all of them does. Pages past the middle are read from the
other end in the reverse order, with the small offset that leaves, and turned around.
"""

import math

from playhouse.flask_utils import PaginatedQuery


class Pages(PaginatedQuery):
    """``PaginatedQuery`` (the pager macro's interface) with ``reverse``: the query's
    ORDER BY with every direction flipped."""

    def __init__(self, query, paginate_by: int, reverse: tuple, page: int | None = None):
        super().__init__(query, paginate_by=paginate_by, page=page, check_bounds=False)
        self.reverse = reverse

    def total(self) -> int:
        if not hasattr(self, "_total"):
            self._total = self.query.count()
        return self._total

    def get_page_count(self) -> int:
        return math.ceil(self.total() / self.paginate_by)

    def get_object_list(self) -> list:
        size, total = self.paginate_by, self.total()
        offset = (self.get_page() - 1) * size
        if offset >= total:
            return []
        if offset <= total // 2:
            return list(self.query.offset(offset).limit(size))
        limit = min(size, total - offset)
        from_end = total - offset - limit
        rows = list(self.query.order_by(*self.reverse).offset(from_end).limit(limit))
        return rows[::-1]
