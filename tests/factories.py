from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import User
from meetings import credentials, services
from meetings.models import Meeting

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    timezone = "Europe/Berlin"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    host = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Meeting {n}")
    description = "Agenda: updates and next steps."
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    )
    duration = 60
    timezone = "Europe/Berlin"
    meeting_id = factory.LazyFunction(credentials.new_meeting_id)
    passcode = factory.LazyFunction(credentials.new_passcode)
    invitation_token = factory.LazyFunction(credentials.new_invitation_token)
    access_token = factory.LazyFunction(credentials.new_access_token)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "contacts.Contact"

    owner = factory.SubFactory(UserFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"contact{n}@example.org")


def create_meeting(host, **overrides) -> Meeting:
    """A meeting scheduled through the service, two days ahead unless told otherwise."""
    values = {
        "host": host,
        "title": "Planning",
        "starts_at": timezone.now() + timedelta(days=2),
        "duration": 30,
        "timezone_name": "Europe/Berlin",
    }
    return services.meeting_create(**(values | overrides))


def move_to_past(meeting: Meeting, *, ended_ago: timedelta, status: str = "ended") -> Meeting:
    """The meeting `ended_ago` after its scheduled end, completed then unless told otherwise."""
    ends_at = timezone.now() - ended_ago
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=ends_at - timedelta(minutes=meeting.duration),
        ends_at=ends_at,
        status=status,
        ended_at=ends_at if status == Meeting.Status.ENDED else None,
        cancelled_at=ends_at if status == Meeting.Status.CANCELLED else None,
    )
    meeting.refresh_from_db()
    return meeting
