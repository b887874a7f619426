"""Limits on repeated failed log-ins: how django-axes names the account, the lockout of most
roles and the progressive delay of the roles that must never be locked out (issue #11)."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from allauth.account.utils import filter_users_by_email
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_credentials
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from layak.accounts.models import TotpUnlockAttempt
from layak.accounts.selectors import person_login_names
from layak.core.audit import audit_record
from layak.core.models import AuditAction


def username_from_request(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """Use the login name the person typed (allauth's ``login`` field), case-insensitively.

    Someone logging in by e-mail address is counted under the account's user name, so every
    way of naming an account shares one lockout. allauth accepts any of the account's
    addresses (``User.email`` and its ``EmailAddress`` rows), so the address is looked up the
    way allauth looks it up; were one address to belong to several accounts, the failures are
    counted under the first of them by user name, and still limited.
    """
    value = ""
    if credentials:
        value = str(credentials.get("username") or credentials.get("email") or "")
    if not value:
        value = str(request.POST.get("login", "") or request.POST.get("username", ""))
    return login_name(value)


def login_name(value: str) -> str:
    """The name failures of the login ``value`` (user name or address) are counted under."""
    value = value.strip().lower()
    users = get_user_model().objects
    if "@" not in value or users.filter(username__iexact=value).exists():
        return value
    usernames = {str(user.get_username()).lower() for user in filter_users_by_email(value)}
    by_user_email = users.filter(email__iexact=value).values_list("username", flat=True)
    usernames.update(str(name).lower() for name in by_user_email)
    return min(usernames) if usernames else value


# -- progressive delay for the roles that must not be locked out (issue #11, finding 8) -----
#
# Five wrong passwords from anywhere used to lock the on-duty case manager out for 30 minutes.
# For the roles that must log in with TOTP (those that see children's identities) there is no
# hard lock: after ``LAYAK_LOGIN_DELAY_AFTER`` failures each further attempt must wait an
# exponentially growing delay (``LAYAK_LOGIN_DELAY_SECONDS`` doubled per failure, at most
# ``LAYAK_LOGIN_DELAY_MAX_SECONDS``) after the last failure. An attempt inside the window is
# refused without checking the password and without being counted, so it never extends the
# delay. The person can also lift the delay at once by proving a TOTP code
# (``totp_unlock`` in ``services.py``). Every other role keeps django-axes' lockout.

#: Failure limit for accounts on the progressive delay: axes never locks them.
_NO_HARD_LOCK = 10**9


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def account_for_login_name(name: str) -> Any:
    """The person a (lower-cased) login name of ``username_from_request`` stands for."""
    if not name:
        return None
    return get_user_model().objects.filter(username__iexact=name, is_active=True).first()


def on_progressive_delay(person: Any) -> bool:
    """Whether ``person`` holds a role that is delayed, never locked (the TOTP roles)."""
    # Imported here: the middleware module reads the identity registry of the domain apps.
    from layak.accounts.middleware import required_roles

    return person is not None and bool(user_roles_of(person) & required_roles())


def user_roles_of(person: Any) -> frozenset[str]:
    return frozenset(person.role_assignments.values_list("role", flat=True))


def delay_for(failures: int) -> timedelta:
    """How long to wait after the last of ``failures`` failures before the next attempt."""
    after = _setting("LAYAK_LOGIN_DELAY_AFTER", 3)
    if failures < after:
        return timedelta(0)
    base = _setting("LAYAK_LOGIN_DELAY_SECONDS", 5)
    ceiling = _setting("LAYAK_LOGIN_DELAY_MAX_SECONDS", 300)
    exponent = min(failures - after, 32)
    return timedelta(seconds=min(base * 2**exponent, ceiling))


def retry_after(name: str) -> int:
    """Seconds until the account ``name`` may try again; 0 when it may try now."""
    cool_off = getattr(settings, "AXES_COOLOFF_TIME", None) or timedelta(minutes=30)
    recent = AccessAttempt.objects.filter(
        username=name, attempt_time__gte=timezone.now() - cool_off
    ).aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    failures, last = recent["failures"] or 0, recent["last"]
    if last is None:
        return 0
    remaining = (last + delay_for(int(failures)) - timezone.now()).total_seconds()
    return max(0, int(math.ceil(remaining)))


def failure_limit(request: HttpRequest, credentials: dict[str, Any] | None) -> int:
    """``AXES_FAILURE_LIMIT``: the lockout limit, except for accounts on the delay."""
    name = username_from_request(request, credentials)
    if on_progressive_delay(account_for_login_name(name)):
        return _NO_HARD_LOCK
    return _setting("LAYAK_LOGIN_FAILURE_LIMIT", 5)


class LoginLimitBackend(AxesStandaloneBackend):  # type: ignore[misc]  # untyped base (axes)
    """The first authentication backend: axes' lockout, or the delay for the TOTP roles.

    Like axes' backend it never logs anyone in: it returns None or refuses the attempt.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            super().authenticate(request, username, password, **kwargs)
            return
        credentials = get_credentials(username=username, password=password, **kwargs)
        name = username_from_request(request, credentials)
        if not on_progressive_delay(account_for_login_name(name)):
            super().authenticate(request, username, password, **kwargs)
            return
        wait = retry_after(name)
        if wait <= 0:
            return
        # Refused and not counted (axes skips recording a request it marked locked out).
        request.axes_locked_out = True  # type: ignore[attr-defined]
        request.layak_retry_after = wait  # type: ignore[attr-defined]
        raise AxesBackendPermissionDenied("Log-in attempt inside the progressive delay")


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the lockout page, or the "wait N seconds" page (429)."""
    wait = getattr(request, "layak_retry_after", None)
    if wait is None:
        return render(request, "account/lockout.html", status=429)
    response = render(request, "accounts/login_delay.html", {"retry_after": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _wrong_unlock_codes(person: Any) -> int:
    since = timezone.now() - timedelta(minutes=15)
    return TotpUnlockAttempt.objects.filter(
        user=person, succeeded=False, attempted_at__gte=since
    ).count()


@transaction.atomic
def login_delay_unlock(*, login: str, code: str) -> bool:
    """Lift one's own log-in delay by proving a TOTP code (issue #11, finding 8).

    Only for the TOTP roles (the others are locked and ask an administrator). Wrong codes are
    limited to ``LAYAK_TOTP_UNLOCK_LIMIT`` per account per 15 minutes, after which every code
    is refused. The answer is the same for an unknown account as for a wrong code. The person
    still logs in with password and TOTP afterwards; the unlock is audited.
    """
    person = account_for_login_name(login_name(login))
    if person is None or not on_progressive_delay(person):
        return False
    authenticator = Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return False
    if _wrong_unlock_codes(person) >= _setting("LAYAK_TOTP_UNLOCK_LIMIT", 5):
        return False
    valid = TOTP(authenticator).validate_code(code.strip())
    TotpUnlockAttempt.objects.create(user=person, succeeded=valid)
    if not valid:
        return False
    for name in person_login_names(person):
        axes_reset(username=name)
    audit_record(
        actor=person,
        action=AuditAction.UPDATE,
        obj=person,
        label=f"{person.username}: log-in delay lifted with a TOTP code",
        fields=["lockout"],
        region_code=person.agency.region.code if person.agency and person.agency.region else "",
    )
    return True
