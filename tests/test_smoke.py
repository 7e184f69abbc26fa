import pytest
from django.urls import reverse

from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def test_meeting_page_renders(client):
    meeting = MeetingFactory()
    response = client.get(reverse("meetings:meeting_detail", kwargs={"slug": meeting.slug}))
    assert response.status_code == 200
