from django import forms

from contacts.csvfiles import MAX_IMPORT_BYTES, TOO_LARGE, CsvFileError, parse_contacts_csv
from contacts.models import Contact


def _max_length(name: str) -> int:
    return Contact._meta.get_field(name).max_length


class ContactForm(forms.Form):
    first_name = forms.CharField(max_length=_max_length("first_name"), required=False)
    last_name = forms.CharField(max_length=_max_length("last_name"), required=False)
    email = forms.EmailField(
        max_length=_max_length("email"),
        error_messages={"required": "Enter the email address invitations go to."},
    )
    company = forms.CharField(max_length=_max_length("company"), required=False)
    phone = forms.CharField(
        max_length=_max_length("phone"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    notes = forms.CharField(
        max_length=_max_length("notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, instance: Contact | None = None, **kwargs):
        if instance is not None:
            kwargs.setdefault("initial", {}).update(
                {name: getattr(instance, name) for name in self.base_fields}
            )
        super().__init__(*args, **kwargs)


class ContactImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        error_messages={
            "required": "Choose a CSV file to import.",
            "empty": "The file is empty.",
            "invalid": "Choose a CSV file to import.",
        },
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        """The parsed file: its rows, valid or rejected, or the reason it cannot be read."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(TOO_LARGE)
        try:
            return parse_contacts_csv(b"".join(upload.chunks()))
        except CsvFileError as error:
            raise forms.ValidationError(str(error)) from None
