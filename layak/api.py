"""The JSON API under /api/v1/ (django-ninja; OpenAPI at /api/v1/openapi.json)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.security import django_auth

from layak.cases.api import router as cases_router
from layak.community.api import router as community_router
from layak.evaluations.api import router as evaluations_router
from layak.families.api import router as families_router
from layak.indicators.api import router as indicators_router
from layak.participation.api import router as participation_router
from layak.plans.api import router as plans_router
from layak.regions.api import router as regions_router

api = NinjaAPI(
    title="Layak API",
    version="1",
    urls_namespace="api",
    auth=django_auth,
    docs_url=None,
)


# Refusals answer as JSON in every mode (issue 11, finding 11): django-ninja's catch-all
# handler turns any exception it has no handler for into a 500 with a traceback when DEBUG is
# on (``make run``), and hands it to Django's HTML 403/500 pages when it is off.


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": _("You may not do this.")}, status=403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # Never the exception text: it can name the model or the lookup.
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": " ".join(exc.messages)}, status=400)


api.add_router("/regions/", regions_router)
api.add_router("/evaluation/", evaluations_router)
api.add_router("/cases/", cases_router)
api.add_router("/families/", families_router)
api.add_router("/community/", community_router)
api.add_router("/participation/", participation_router)
api.add_router("/indicators/", indicators_router)
api.add_router("/plans/", plans_router)
