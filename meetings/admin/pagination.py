"""Change-list pages of long tables read by their keys first."""

from django.core.paginator import Paginator


class KeysFirstPaginator(Paginator):
    """Reads a page in two queries: the primary keys of its rows in order, then those rows.

    The first query carries the filters, the ordering and the offset, but asks only for keys, which
    the database finds in its indexes: it walks them in the list's order and stops at the end of
    the page, and a deep page skips index entries rather than whole rows. Asked for whole rows,
    SQLite instead reads and sorts every row of the table for each page. The second query reads
    the page's rows by key, with what the list shows (``list_select_related``, prefetches).
    """

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.order_by().filter(pk__in=keys)}
        # A row deleted between the two queries is left out.
        return self._get_page([rows[key] for key in keys if key in rows], number, self)
