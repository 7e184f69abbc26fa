"""Pagination that explains a page out of range instead of answering 404, and one that reads the
pages near the end of a long list from its end."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class CountedPaginator(Paginator):
    """A paginator given its count, which reads each page from the nearer end of the list.

    The count comes from the caller, who has it already (the tracker's tallies), so it is not asked
    of the database again. A page in the second half (``page=last``) is read in the reverse order
    and turned round: the database then skips the rows after it instead of every row before it,
    which ``OFFSET`` reads and drops one by one. The ordering must be total (end with the primary
    key), so that the reverse order is its exact mirror.
    """

    def __init__(self, object_list, per_page, *, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.given_count = count

    @cached_property
    def count(self):
        return self.given_count

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if bottom <= self.count - top:
            return self._get_page(self.object_list[bottom:top], number, self)
        rows = list(self.object_list.reverse()[self.count - top : self.count - bottom])
        rows.reverse()
        return self._get_page(rows, number, self)


class ForgivingPaginationMixin:
    """For any ListView: ``page=9999`` shows the last page, ``page=-1`` or ``page=abc`` the first.

    The page says what happened through ``page_notice`` in the context, so a shared link to a page
    that no longer exists still lands somewhere useful. ``page=last`` is understood as Django's.
    """

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(
            queryset,
            page_size,
            orphans=self.get_paginate_orphans(),
            allow_empty_first_page=self.get_allow_empty(),
        )
        requested = self.kwargs.get(self.page_kwarg) or self.request.GET.get(self.page_kwarg) or "1"
        self.page_notice = ""
        if requested == "last":
            number = paginator.num_pages
        else:
            try:
                number = int(requested)
            except (TypeError, ValueError):
                number = 1
                self.page_notice = _("“%(page)s” is not a page number, so this is the first page.") % {
                    "page": requested[:20]
                }
            else:
                if number < 1:
                    number = 1
                    self.page_notice = _("There is no page %(page)s, so this is the first page.") % {
                        "page": requested[:20]
                    }
                elif number > paginator.num_pages:
                    self.page_notice = ngettext(
                        "There is no page %(page)s: the list has %(count)s page, so this is the last one.",
                        "There is no page %(page)s: the list has %(count)s pages, so this is the last one.",
                        paginator.num_pages,
                    ) % {"page": number, "count": paginator.num_pages}
                    number = paginator.num_pages
        page = paginator.page(number)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_notice"] = getattr(self, "page_notice", "")
        return context
