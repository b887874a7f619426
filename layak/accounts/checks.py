"""System checks of the account settings: a typo must stop the start, not weaken log-in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from layak.accounts.roles import Role
from layak.core.identity import identity_roles


@register(Tags.security)
def check_mfa_required_roles(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every code in ``LAYAK_MFA_REQUIRED_ROLES`` must be a role; an unknown one would
    silently leave the role it was meant to name without two-factor log-in (issue #2).

    The setting only adds roles to those derived from the permission rules
    (``layak.core.identity``, issue #11); it cannot take one away."""
    configured = settings.LAYAK_MFA_REQUIRED_ROLES
    if isinstance(configured, str) or not isinstance(configured, list | tuple | set | frozenset):
        return [
            Error(
                "LAYAK_MFA_REQUIRED_ROLES must be a list of role codes.",
                id="accounts.E001",
            )
        ]
    unknown = sorted(str(code) for code in configured if code not in Role.values)
    if not unknown:
        return []
    return [
        Error(
            f"LAYAK_MFA_REQUIRED_ROLES names unknown role(s): {', '.join(unknown)}.",
            hint=f"Use role codes from layak/accounts/roles.py: {', '.join(Role.values)}.",
            id="accounts.E002",
        )
    ]


@register(Tags.security)
def check_identity_roles(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every role an app declares as seeing identities must exist: a typo there would leave
    the real role without the two-factor log-in it needs (issue #11)."""
    unknown = sorted(code for code in identity_roles() if code not in Role.values)
    if not unknown:
        return []
    return [
        Error(
            f"An app declares unknown identity-seeing role(s): {', '.join(unknown)}.",
            hint="Fix the IDENTITY_ACCESS declaration in the app's permissions.py.",
            id="accounts.E003",
        )
    ]
