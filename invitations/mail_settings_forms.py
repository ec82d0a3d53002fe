"""Forms of the mail settings admin: the settings row and the test email."""

from django import forms

from invitations.models import MailSettings
from meetings_site.crypto import SecretKeyError, decrypt_secret, encrypt_secret


class MailSettingsForm(forms.ModelForm):
    """The single MailSettings row; the SMTP password is write-only and stored encrypted."""

    # The model's fields (label, default), within the ranges its constraints allow.
    port = MailSettings._meta.get_field("port").formfield(min_value=1, max_value=65535)
    timeout = MailSettings._meta.get_field("timeout").formfield(
        min_value=1,
        max_value=300,
        help_text="How long to wait for the server before a message counts as failed.",
    )
    # Never rendered back, not even encrypted: the browser gets an empty field.
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    clear_password = forms.BooleanField(
        label="Clear the stored password",
        required=False,
        help_text="Remove the stored password, e.g. for a server that needs no login.",
    )

    class Meta:
        model = MailSettings
        fields = [
            "enabled",
            "host",
            "port",
            "security",
            "timeout",
            "username",
            "from_email",
            "from_name",
        ]
        help_texts = {
            "security": "STARTTLS upgrades a plain connection, usually on port 587; "
            "SSL/TLS encrypts from the first byte, usually on port 465.",
            "username": "Leave blank for a server that needs no login.",
            "from_email": "With the from name, the From header of every message.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Why the stored password cannot be decrypted, if it cannot.
        self.unreadable_password = ""
        state = "No password is stored."
        if self.instance.password_encrypted:
            try:
                decrypt_secret(self.instance.password_encrypted)
            except SecretKeyError as error:
                self.unreadable_password = str(error)
                state = f"A password is stored, but it cannot be used: {error}"
            else:
                state = "A password is stored. Leave this field blank to keep it."
        self.fields["password"].help_text = state

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("enabled"):
            for name in ("host", "from_email"):
                if name in cleaned_data and not cleaned_data[name]:
                    self.add_error(name, "Required when the mail settings are enabled.")

        password = cleaned_data.get("password", "")
        if password and cleaned_data.get("clear_password"):
            self.add_error(
                "password", "Either enter a new password or clear the stored one, not both."
            )
        elif password and not cleaned_data.get("username"):
            self.add_error("password", "Enter the username that goes with this password.")
        elif password:
            try:
                cleaned_data["password_encrypted"] = encrypt_secret(password)
            except SecretKeyError as error:
                self.add_error("password", str(error))
        elif (
            cleaned_data.get("enabled")
            and cleaned_data.get("username")
            and not cleaned_data.get("clear_password")
            and self.unreadable_password
        ):
            # Enabling a password that cannot be decrypted would fail every message.
            self.add_error("password", self.unreadable_password)
        return cleaned_data

    def save(self, commit=True):
        if self.cleaned_data.get("clear_password"):
            self.instance.password_encrypted = ""
        elif "password_encrypted" in self.cleaned_data:
            self.instance.password_encrypted = self.cleaned_data["password_encrypted"]
        return super().save(commit=commit)


class SendTestEmailForm(forms.Form):
    to = forms.EmailField(
        label="Send to",
        help_text="The message goes out at once, through the saved settings.",
    )
