import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from meetings.models import DigestSent, Job, JobKind
from tests.factories import (
    ActionItemFactory,
    ActionOwnerFactory,
    MeetingFactory,
    OutcomeFactory,
    ParticipantFactory,
)
from tests.tasks import run_worker

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2016, 3, 1)


def owned_action(owner, title, due_date, *, precision="day", role="lead", **fields):
    action_item = ActionItemFactory(title=title, due_date=due_date, due_precision=precision, **fields)
    ActionOwnerFactory(action_item=action_item, participant=owner, role=role)
    return action_item


@pytest.fixture
def rso():
    rso = ParticipantFactory(name="Regional Support Office", slug="rso", contact_email="info@rso.example.org")
    owned_action(rso, "Overdue one", datetime.date(2015, 6, 30), precision="half")
    owned_action(rso, "Due in ten days", datetime.date(2016, 3, 11))
    owned_action(rso, "Due today", TODAY)
    owned_action(rso, "Due next year", datetime.date(2017, 3, 1))
    owned_action(rso, "Done already", datetime.date(2015, 6, 30), precision="half", status="completed")
    ActionOwnerFactory(action_item=ActionItemFactory(title="Undated"), participant=rso)
    draft = OutcomeFactory(meeting=MeetingFactory(published_at=None))
    owned_action(rso, "Of a draft meeting", datetime.date(2015, 6, 30), precision="half", outcome=draft)
    return rso


def run(*args):
    out = io.StringIO()
    call_command("send_action_digest", *args, "--today", TODAY.isoformat(), stdout=out)
    return out.getvalue()


def test_digest_lists_overdue_and_soon_due_actions_to_the_focal_point(rso, mailoutbox):
    run("--days", "14", "--base-url", "https://record.example.org")

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["info@rso.example.org"]
    assert "1 overdue" in message.subject
    body = message.body
    assert "Overdue one" in body
    assert "H1 2015" in body
    assert "Due in ten days" in body
    assert "Due today" in body
    assert body.index("Overdue one") < body.index("Due in the next 14 days") < body.index("Due in ten days")
    for absent in ("Due next year", "Done already", "Undated", "Of a draft meeting"):
        assert absent not in body
    assert "https://record.example.org/actions/" in body
    html = message.alternatives[0][0]
    assert "Overdue one" in html


def test_digest_subject_is_plain_text_not_html(mailoutbox, settings):
    settings.SITE_NAME = "Q&A <record>"
    owner = ParticipantFactory(name="People's Office", short_name="", contact_email="office@example.org")
    owned_action(owner, "Overdue one", datetime.date(2015, 6, 30), precision="half")

    run()

    assert mailoutbox[0].subject == "Q&A <record>: People's Office's follow-up actions (1 overdue)"


def test_digest_is_sent_once_a_day(rso, mailoutbox):
    first = run()
    second = run()

    assert len(mailoutbox) == 1
    assert "Sent 1 digest(s)" in first
    assert "Sent 0 digest(s); 1 already sent today" in second
    sent = DigestSent.objects.get()
    assert (sent.participant, sent.date, sent.email, sent.action_count) == (
        rso,
        TODAY,
        "info@rso.example.org",
        3,
    )


def test_digest_is_sent_again_the_next_day(rso, mailoutbox):
    run()
    out = io.StringIO()
    call_command("send_action_digest", "--today", "2016-03-02", stdout=out)

    assert len(mailoutbox) == 2


def test_dry_run_prints_and_sends_nothing(rso, mailoutbox):
    output = run("--dry-run")

    assert mailoutbox == []
    assert not DigestSent.objects.exists()
    assert "To: info@rso.example.org" in output
    assert "Overdue one" in output
    assert "nothing was sent" in output


def test_participants_without_a_focal_point_or_due_actions_get_nothing(mailoutbox):
    no_email = ParticipantFactory(contact_email="")
    owned_action(no_email, "Overdue", datetime.date(2015, 6, 30), precision="half")
    nothing_due = ParticipantFactory(contact_email="quiet@example.org")
    owned_action(nothing_due, "Far away", datetime.date(2030, 12, 31), precision="year")

    run()

    assert mailoutbox == []


def test_supporting_owners_get_the_digest_too(mailoutbox):
    support = ParticipantFactory(contact_email="support@example.org")
    owned_action(support, "Helping", datetime.date(2015, 6, 30), precision="half", role="support")

    run()

    assert [message.to for message in mailoutbox] == [["support@example.org"]]


def test_negative_days_are_refused():
    with pytest.raises(CommandError, match="--days"):
        run("--days", "-1")


def test_the_digest_queued_for_the_task_worker_is_sent_by_it(rso, mailoutbox):
    out = run("--days", "14", "--enqueue")
    assert "Queued the digest for the task worker" in out
    assert mailoutbox == []

    run_worker()

    assert len(mailoutbox) == 1
    job = Job.objects.get(kind=JobKind.DIGEST)
    assert job.task_result.status == "SUCCESSFUL"
    assert job.result == {"sent": 1, "skipped": 0}
    assert (job.step, job.done, job.total) == ("", 1, 1)


def test_a_dry_run_cannot_be_queued(rso):
    with pytest.raises(CommandError, match="cannot be queued"):
        run("--dry-run", "--enqueue")
