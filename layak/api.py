"""The JSON API under /api/v1/ (django-ninja; OpenAPI at /api/v1/openapi.json)."""

from __future__ import annotations

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
api.add_router("/regions/", regions_router)
api.add_router("/evaluation/", evaluations_router)
api.add_router("/cases/", cases_router)
api.add_router("/families/", families_router)
api.add_router("/community/", community_router)
api.add_router("/participation/", participation_router)
api.add_router("/indicators/", indicators_router)
api.add_router("/plans/", plans_router)
