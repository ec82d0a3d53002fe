from django import forms

from contacts.csvfiles import MAX_IMPORT_BYTES, TOO_LARGE, CsvFileError, parse_contacts_csv
from contacts.models import Contact


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ("first_name", "last_name", "email", "company", "phone", "notes")
        error_messages = {"email": {"required": "Enter the email address invitations go to."}}
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }


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
