from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self) -> None:
        from bookings.emails import guest_block
        from bookings.ratings import send_rating_requests
        from invitations import emails as invitation_emails
        from invitations import tasks as invitation_tasks

        # The guest's reschedule and cancel links in their invitation emails.
        if guest_block not in invitation_emails.email_blocks:
            invitation_emails.email_blocks.append(guest_block)

        # The rating requests an hour after a meeting, sent by the every-minute sweep.
        if send_rating_requests not in invitation_tasks.sweep_steps:
            invitation_tasks.sweep_steps.append(send_rating_requests)
