from django.views.generic import TemplateView

from ..search import MAX_QUERY_LENGTH, search_record


class SearchView(TemplateView):
    """Search the published record; the results page explains an empty or shortened query."""

    template_name = "meetings/search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["search"] = search_record(self.request.GET.get("q", ""))
        context["max_query_length"] = MAX_QUERY_LENGTH
        return context
