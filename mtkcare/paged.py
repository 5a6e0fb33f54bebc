"""One page of a server-paged list, as services return it (the list states show it through
``mtkcare.ui.paging``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Paged[R]:
    """The page's rows and where it stands in the whole list."""

    rows: list[R]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))
