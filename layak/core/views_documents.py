"""The progress page and the download of a document built in the background (issue #11;
see :mod:`layak.core.documents`). Only the person who asked for a document sees it; anyone
else gets 404."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from layak.core import documents
from layak.core.exports import download
from layak.core.models import Document, DocumentStatus
from layak.core.pages import render_page

POLL_SECONDS = 2


def _document_for(request: HttpRequest, pk: uuid.UUID) -> Document:
    document: Document = get_object_or_404(documents.documents_of(request.user), pk=pk)
    return document


@login_required
@require_GET
@never_cache
def document_status(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Polls (htmx, or a meta refresh without JavaScript) until the file is ready."""
    document = _document_for(request, pk)
    pending = document.status == DocumentStatus.PENDING
    return render_page(
        request,
        "core/document.html",
        "core/partials/document_status.html",
        {
            "document": document,
            "pending": pending,
            "ready": document.status == DocumentStatus.DONE and bool(document.file),
            "poll_seconds": POLL_SECONDS,
        },
    )


@login_required
@require_GET
@never_cache
def document_download(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    document = _document_for(request, pk)
    try:
        content = documents.document_collect(actor=request.user, document=document)
    except LookupError:
        raise Http404 from None
    return download(
        content,
        filename=document.filename,
        content_type=documents.kind_of(document).content_type,
    )
