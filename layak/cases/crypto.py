"""Encryption helpers for case data beyond single fields (issue #4).

* Files (documents, photos) are stored encrypted with the same keys as the encrypted fields
  (``LAYAK_ENCRYPTION_KEYS``; the first key encrypts, every key decrypts, so rotation works the
  same way).
* Blind indexes: a keyed hash (HMAC-SHA-256) of a normalised value lets the duplicate check find
  "the same NIK" or "the same date of birth" without storing or comparing the plain value. The
  key is ``LAYAK_INDEX_KEY`` or, when unset, the *last* encryption key, which stays in the list
  while newer keys are put in front of it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from encrypted_fields.fields import EncryptedTextField


@cache
def _cipher() -> Fernet | MultiFernet:
    cipher: Fernet | MultiFernet = EncryptedTextField().f
    return cipher


def encrypt_bytes(content: bytes) -> bytes:
    return _cipher().encrypt(content)


def decrypt_bytes(token: bytes) -> bytes:
    return _cipher().decrypt(token)


def _index_key() -> bytes:
    key = str(getattr(settings, "LAYAK_INDEX_KEY", "") or settings.SALT_KEY[-1])
    return hashlib.sha256(f"layak-index:{key}".encode()).digest()


def blind_index(kind: str, value: str) -> str:
    """The keyed hash of ``value`` (already normalised); empty for an empty value."""
    if not value:
        return ""
    return hmac.new(_index_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


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
