"""Case-specific helpers on top of :mod:`layak.core.crypto` (issues #4 and #11).

* Files (documents, photos) are stored encrypted with the field-encryption keys
  (``LAYAK_ENCRYPTION_KEYS``): :func:`encrypt_bytes` and :func:`decrypt_bytes` are core's.
* Blind indexes: a keyed hash of a normalised NIK or date of birth lets the duplicate check
  find "the same child" without storing or comparing the plain value; the mechanism and its
  key (``LAYAK_INDEX_KEY``) are core's, the normalisation is here.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from layak.core.crypto import BlindIndex, blind_index, decrypt_bytes, encrypt_bytes

__all__ = [
    "birth_index",
    "victim_blind_index",
    "blind_index",
    "decrypt_bytes",
    "encrypt_bytes",
    "mask_name",
    "nik_index",
    "normalise_name",
]


def nik_index(nik: str) -> str:
    digits = re.sub(r"\D", "", nik or "")
    return blind_index("nik", digits) if len(digits) == 16 else ""


def birth_index(birth_date: date | None) -> str:
    return blind_index("dob", birth_date.isoformat()) if birth_date else ""


def normalise_name(name: str) -> str:
    """Lower case, no accents, punctuation or repeated spaces: for comparing names."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", text).split())


def mask_name(name: str) -> str:
    """ "Siti Aminah" -> "S*** A***": what lists show instead of a name."""
    parts = (name or "").split()
    if not parts:
        return "—"
    return " ".join(f"{p[0].upper()}***" for p in parts[:3])


def victim_blind_index() -> BlindIndex:
    """How ``layak reencrypt --reindex`` recomputes a victim's NIK and birth-date indexes."""
    from layak.cases.models import Victim

    def compute(victim: Any) -> dict[str, str]:
        return {"nik_index": nik_index(victim.nik), "birth_index": birth_index(victim.birth_date)}

    return BlindIndex(model=Victim, fields=("nik_index", "birth_index"), compute=compute)
