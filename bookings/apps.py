from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"

    def ready(self) -> None:
        from bookings.emails import guest_block
        from invitations import emails as invitation_emails

        # The guest's reschedule and cancel links in their invitation emails.
        if guest_block not in invitation_emails.email_blocks:
            invitation_emails.email_blocks.append(guest_block)
