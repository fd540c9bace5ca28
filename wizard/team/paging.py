"""Pages of a long list that cost the same at either end: each page is read from the
nearer end (``db.rows_from_either_end``), with totals the caller may already know."""

import math

from playhouse.flask_utils import PaginatedQuery

from ..db import rows_from_either_end


class Pages(PaginatedQuery):
    """``PaginatedQuery`` (the pager macro's interface) with ``reverse``: the query's
    ORDER BY with every direction flipped.

    ``total``: the row count when the caller knows it (a tally), else it is counted.
    ``at_least``: the caller counted this many rows and stopped (a broad search): the
    pager says "more than", and the rows are counted only for a page beyond them.
    """

    def __init__(
        self,
        query,
        paginate_by: int,
        reverse: tuple,
        page: int | None = None,
        *,
        total: int | None = None,
        at_least: int | None = None,
    ):
        super().__init__(query, paginate_by=paginate_by, page=page, check_bounds=False)
        self.reverse = reverse
        if total is not None:
            self._total = total
        self.at_least = at_least

    @property
    def counted_all(self) -> bool:
        return hasattr(self, "_total") or self.at_least is None

    def total(self) -> int:
        if not hasattr(self, "_total"):
            self._total = self.query.count()
        return self._total

    def get_page_count(self) -> int:
        known = self.total() if self.counted_all else self.at_least
        return math.ceil(known / self.paginate_by)

    def get_object_list(self) -> list:
        size = self.paginate_by
        offset = (self.get_page() - 1) * size
        if not self.counted_all and offset + size <= self.at_least:
            return list(self.query.offset(offset).limit(size))  # within what was counted
        total = self.total()
        if offset >= total:
            return []
        return rows_from_either_end(self.query, self.reverse, offset, size, total)
