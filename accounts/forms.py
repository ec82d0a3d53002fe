import math

from django import forms
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.template.defaultfilters import pluralize

from accounts import services
from accounts.models import ApiToken, User
from accounts.timezones import TimeZoneField, TimeZoneSelect
from meetings_site.limits import client_address


def too_many(what: str, retry_after: int) -> str:
    """Tell someone past a limit, in words, how long to wait."""
    minutes = max(1, math.ceil(retry_after / 60))
    return f"Too many {what}. Please try again in {minutes} minute{pluralize(minutes)}."


class SignUpForm(BaseUserCreationForm):
    timezone = TimeZoneField(
        label="Time zone", widget=TimeZoneSelect(attrs={"data-detect-timezone": ""})
    )

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "timezone")

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this email address already exists.")
        return email


class LogInForm(AuthenticationForm):
    """Django's log-in form, with the password compared under the failure limits."""

    retry_after = 0

    def clean(self):
        # As in Django's form, clean() is where the password is checked.
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            check = services.user_authenticate(
                request=self.request,
                email=email,
                password=password,
                address=client_address(self.request),
            )
            if check.retry_after:
                self.retry_after = check.retry_after
                raise forms.ValidationError(
                    too_many("failed attempts to log in", check.retry_after), code="limited"
                )
            if check.user is None:
                raise self.get_invalid_login_error()
            self.user_cache = check.user
            self.confirm_login_allowed(check.user)
        return self.cleaned_data


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ProfileForm(forms.ModelForm):
    timezone = TimeZoneField(label="Time zone")

    class Meta:
        model = User
        fields = ("first_name", "last_name", "timezone")


class ApiTokenForm(forms.ModelForm):
    """A new personal API token: only its name is chosen."""

    class Meta:
        model = ApiToken
        fields = ("name",)
        labels = {"name": "Token name"}
        help_texts = {"name": "What the token is for, e.g. “Calendar sync”."}
