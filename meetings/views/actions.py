from django.views.generic import DetailView, ListView

from ..models import ActionItem


class ActionListView(ListView):
    template_name = "meetings/action_list.html"
    paginate_by = 50

    def get_queryset(self):
        return ActionItem.objects.published().select_related("outcome__meeting")


class ActionDetailView(DetailView):
    template_name = "meetings/action_detail.html"

    def get_queryset(self):
        return ActionItem.objects.published().select_related("outcome__meeting")
