import secrets
from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contacts import csvfiles, selectors, services
from contacts.forms import ContactForm, ContactImportForm
from contacts.models import Contact
from contacts.selectors import PlannedRow

SEARCH_RESULTS_MAX = 10
# The rows of the last previewed import wait here for the host's confirmation, so that
# the confirmation writes what the server read, not what a client sends back. The
# upload limit (1 MB) bounds their size.
IMPORT_SESSION_KEY = "contacts_import"
IMPORT_EXPIRED = "This import preview has expired. Upload the file again."


def _query(request) -> str:
    return request.GET.get("q", "")[: selectors.QUERY_MAX_LENGTH].strip()


def _own_contact(request, pk: int) -> Contact:
    """The user's active contact; anyone else's, or an archived one, is 404."""
    return get_object_or_404(Contact.objects.owned_by(request.user), pk=pk)


@login_required
@require_GET
def contact_list(request):
    query = _query(request)
    page = selectors.contact_list_page(
        owner=request.user, query=query, number=request.GET.get("page")
    )
    return render(
        request,
        "contacts/list.html",
        {"page": page, "q": query, "query": urlencode({"q": query}) if query else ""},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_form(request, pk: int | None = None):
    """The same form adds a contact (no pk) or edits one."""
    contact = None if pk is None else _own_contact(request, pk)
    posted = request.method == "POST"
    form = ContactForm(request.POST if posted else None, instance=contact)
    if posted and form.is_valid():
        try:
            if contact is None:
                saved = services.contact_create(owner=request.user, **form.cleaned_data)
                done = "was added to your contacts."
            else:
                saved = services.contact_update(contact=contact, **form.cleaned_data)
                done = "was updated."
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{saved.display_name} {done}")
            return redirect("contacts:list")
    if posted and contact is not None:
        contact.refresh_from_db()  # the page shows the saved name, not the refused one
    context = {"contact": contact, "form": form}
    return render(request, "contacts/form.html", context, status=400 if posted else 200)


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request, pk: int):
    """GET asks for confirmation; only the POST deletes."""
    contact = _own_contact(request, pk)
    if request.method == "GET":
        return render(
            request,
            "contacts/delete.html",
            {"contact": contact, "invitation_count": contact.invitations.count()},
        )
    if services.contact_delete(contact=contact):
        messages.success(request, f"{contact.display_name} was deleted.")
    else:
        messages.success(
            request,
            f"{contact.display_name} was removed from your contacts. "
            "The invitations they received keep their history.",
        )
    return redirect("contacts:list")


@login_required
@require_http_methods(["GET", "POST"])
def contact_import(request):
    """GET shows the upload form; a POST of a file shows what importing it would do."""
    if request.method == "GET":
        return render(request, "contacts/import.html", {"form": ContactImportForm()})
    form = ContactImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "contacts/import.html", {"form": form}, status=400)

    parsed = form.cleaned_data["file"]
    plan = selectors.import_plan(owner=request.user, rows=parsed.rows)
    counts = Counter(row.status for row in plan)  # 0 for a status no row has
    import_id = secrets.token_urlsafe(16)
    request.session[IMPORT_SESSION_KEY] = {
        "id": import_id,
        "rows": [
            [row.values[name] for name in csvfiles.EXPORT_COLUMNS] for row in parsed.valid_rows
        ],
    }
    return render(
        request,
        "contacts/import_preview.html",
        {
            "plan": plan,
            "counts": counts,
            "importable": counts[PlannedRow.NEW] + counts[PlannedRow.UPDATE],
            "import_id": import_id,
            "file_name": request.FILES["file"].name,
            "ignored_columns": parsed.ignored_columns,
        },
    )


@login_required
@require_POST
def contact_import_confirm(request):
    """Write the rows of the preview that the host saw, as read by the server."""
    pending = request.session.get(IMPORT_SESSION_KEY)
    if not pending or not constant_time_compare(pending["id"], request.POST.get("import_id", "")):
        context = {"form": ContactImportForm(), "error": IMPORT_EXPIRED}
        return render(request, "contacts/import.html", context, status=400)
    del request.session[IMPORT_SESSION_KEY]

    rows = [dict(zip(csvfiles.EXPORT_COLUMNS, values, strict=True)) for values in pending["rows"]]
    try:
        result = services.contacts_import(owner=request.user, rows=rows)
    except services.ImportConflict as error:
        context = {"form": ContactImportForm(), "error": f"{error} Upload the file again."}
        return render(request, "contacts/import.html", context, status=409)
    if result.created or result.updated:
        messages.success(
            request,
            f"Imported: {result.created} new contact{pluralize(result.created)}, "
            f"{result.updated} contact{pluralize(result.updated)} updated.",
        )
    else:
        messages.info(request, "Nothing to import: your contacts already hold these rows.")
    return redirect("contacts:list")


@login_required
@require_GET
@never_cache
def contact_export(request):
    """The owner's active contacts as a CSV attachment, for spreadsheets and other tools."""
    contacts = Contact.objects.owned_by(request.user).only(*csvfiles.EXPORT_COLUMNS)
    response = StreamingHttpResponse(
        csvfiles.export_lines(contacts.iterator(chunk_size=1000)),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"contacts-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@never_cache
def contact_search(request):
    """The invitation form's picker: up to ten of the owner's contacts matching `q`, as JSON.

    Anonymous callers get 401 with a JSON body rather than a redirect to the login
    page, which a script could not use.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"error": "Log in to search your contacts."}, status=401)
    query = _query(request)
    results = []
    if query:
        contacts = selectors.contacts_search(Contact.objects.owned_by(request.user), query)
        results = [
            {"id": contact.pk, "name": contact.display_name, "email": contact.email}
            for contact in contacts.only("first_name", "last_name", "email")[:SEARCH_RESULTS_MAX]
        ]
    return JsonResponse({"results": results})
