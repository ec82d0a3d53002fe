from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import google, services
from accounts.forms import (
    ApiTokenForm,
    LogInForm,
    PasswordResetRequestForm,
    ProfileForm,
    SignUpForm,
    too_many,
)
from meetings_site.crypto import SecretKeyError
from meetings_site.limits import client_address


def safe_next_url(request, default: str = settings.LOGIN_REDIRECT_URL) -> str:
    """The `next` parameter when it stays on this site, else the default."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect(safe_next_url(request))
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        messages.success(request, "Welcome! Your account is ready.")
        return redirect(safe_next_url(request))
    return render(
        request, "accounts/signup.html", {"form": form, "next": safe_next_url(request, "")}
    )


def _limited(response, retry_after: int):
    response.status_code = 429
    response["Retry-After"] = str(retry_after)
    return response


class LogInView(auth_views.LoginView):
    """Django's log-in page; past the failure limits it answers 429 with Retry-After."""

    form_class = LogInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        return _limited(response, form.retry_after) if form.retry_after else response


@require_http_methods(["GET", "POST"])
def password_reset(request):
    """Ask for a reset link; the page looks the same whether the account exists or not."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        retry_after = services.password_reset_request(
            email=form.cleaned_data["email"], address=client_address(request)
        )
        if not retry_after:
            return redirect("accounts:password_reset_done")
        form.add_error(None, too_many("requests to reset a password", retry_after))
        response = render(request, "accounts/password_reset.html", {"form": form})
        return _limited(response, retry_after)
    return render(request, "accounts/password_reset.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile was saved.")
        return redirect("accounts:profile")
    return _profile(request, form=form)


def _profile(request, *, form=None, token_form=None, new_token: str = "", status: int = 200):
    """The profile page; `new_token` is a token just created, shown this once."""
    account = google.connected_account(request.user)
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form or ProfileForm(instance=request.user),
            "google_offered": google.is_configured(),
            "google_account": account,
            "google_reconnect": google.needs_reconnect_for_busy_times(account),
            "token_form": token_form or ApiTokenForm(),
            "api_tokens": request.user.api_tokens.all(),
            "new_token": new_token,
        },
        status=status,
    )


# Personal API tokens, for scripts and apps that call /api/ (docs/api.md).


@login_required
@require_POST
def api_token_create(request):
    """Create a token and show it on the profile page, once: only its digest is kept.

    The page is rendered, not redirected to, so that the token never passes
    through the session or a message.
    """
    token_form = ApiTokenForm(request.POST)
    if not token_form.is_valid():
        return _profile(request, token_form=token_form, status=400)
    _, clear = services.api_token_create(user=request.user, name=token_form.cleaned_data["name"])
    response = _profile(request, new_token=clear)
    # The page holds a secret: no cache keeps it.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    token = get_object_or_404(request.user.api_tokens, pk=pk)
    services.api_token_revoke(token=token)
    messages.success(request, f"The token “{token.name}” was revoked. It no longer works.")
    return redirect(reverse("accounts:profile") + "#api-tokens")


# Google account, for meetings held on Google Meet.

_GOOGLE_FLOW = "google_oauth"


def _google_redirect_uri() -> str:
    return settings.SITE_URL + reverse("accounts:google_callback")


def _google_failed(request, reason: str):
    return render(request, "accounts/google_failed.html", {"reason": reason}, status=400)


@login_required
@require_POST
def google_connect(request):
    """Start Google's consent flow; the state and PKCE verifier wait in the session."""
    if not google.is_configured():
        messages.error(request, "Google Meet is not set up on this site.")
        return redirect("accounts:profile")
    flow = google.authorization_request(_google_redirect_uri(), login_hint=request.user.email)
    request.session[_GOOGLE_FLOW] = {
        "state": flow.state,
        "code_verifier": flow.code_verifier,
        "next": safe_next_url(request, reverse("accounts:profile")),
    }
    return redirect(flow.url)


@login_required
@require_GET
def google_callback(request):
    """Google sends the user back here with a code (or an error) and our state.

    This GET stores tokens, as OAuth's redirect requires; the state, bound to
    this session and used once, is what stops a forged callback.
    """
    flow = request.session.pop(_GOOGLE_FLOW, None)
    state = request.GET.get("state", "")
    if not flow or not state or not constant_time_compare(state, flow["state"]):
        return _google_failed(
            request, "This sign-in with Google has expired or was not started here."
        )
    if request.GET.get("error"):
        reason = (
            "You did not grant access."
            if request.GET["error"] == "access_denied"
            else f"Google answered: {request.GET['error'][:100]}."
        )
        messages.error(request, f"Your Google account was not connected. {reason}")
        return redirect(flow["next"])
    code = request.GET.get("code", "")
    if not code:
        return _google_failed(request, "Google sent no authorization code.")
    try:
        tokens = google.exchange_code(
            code=code, redirect_uri=_google_redirect_uri(), code_verifier=flow["code_verifier"]
        )
        account = google.connect(request.user, tokens)
    except (google.GoogleError, SecretKeyError) as error:
        messages.error(request, f"Your Google account was not connected. {error}")
        return redirect(flow["next"])
    label = f"Google account {account.email}" if account.email else "Your Google account"
    if google.reads_busy_times(account):
        messages.success(
            request,
            f"{label} is connected: you can hold meetings on Google Meet, and your booking "
            "pages leave out the times your calendar shows as busy.",
        )
    else:
        messages.warning(
            request,
            f"{label} is connected for Google Meet, but not to see your calendar's busy times, "
            "so booking pages cannot leave them out. Reconnect and allow it to do so.",
        )
    return redirect(flow["next"])


@login_required
@require_POST
def google_disconnect(request):
    account = google.connected_account(request.user)
    if account is not None:
        google.disconnect(account)
        messages.success(
            request,
            "Your Google account was disconnected. Meetings already on Google Meet keep their "
            "link; to move or cancel their Google Calendar events, connect the account again.",
        )
    return redirect("accounts:profile")
