"""Encryption at rest of children's data: fields, files and blind indexes (issues #4 and #11).

Keys
    ``LAYAK_ENCRYPTION_KEYS`` is a list of secrets: the first one encrypts, every one decrypts.
    Each secret is turned into a Fernet key with HKDF-SHA-256 and a fixed context, so the keys
    depend on nothing else: ``SECRET_KEY`` can be rotated on its own (issue #11, finding 2).
    Every value records which key encrypted it, as a short key id in front of the Fernet
    token (``lk1:<key id>:<token>``); the key id is a hash of the derived key and reveals
    nothing about it. ``layak reencrypt`` moves every value and file under the first key and
    ``layak reencrypt --report`` tells when an older key is no longer used and can be removed
    (docs/keys.md).

Legacy values
    Values written before issue #11 are bare Fernet tokens from django-fernet-encrypted-fields,
    whose keys were derived with PBKDF2 from ``SECRET_KEY`` (and ``SECRET_KEY_FALLBACKS``) as
    the password and each encryption key as the salt. They are still read, with that
    derivation, until ``layak reencrypt`` has converted them.

Failing loudly
    A value that no configured key decrypts raises :class:`DecryptionError` naming the field
    and the key id: a page never shows ciphertext in place of a name, and a form can never
    save ciphertext back encrypted a second time (a value that looks like ciphertext is
    refused with a ``ValidationError`` by the field's validation and when it is written).

Blind indexes
    A keyed hash (HMAC-SHA-256) of a normalised value lets a lookup find "the same NIK"
    without storing the plain value. The key is ``LAYAK_INDEX_KEY`` or, when unset, the
    *last* encryption key. Indexes are not re-encrypted: when that key changes they are
    recomputed by ``layak reencrypt --reindex`` from the providers registered with
    :func:`register_blind_index`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields.files import FieldFile
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

PREFIX = "lk1"
_PREFIX_BYTES = PREFIX.encode()
_HKDF_INFO = b"layak field encryption v1"
_LEGACY_ITERATIONS = 100_000
_TOKEN_RE = re.compile(r"gAAAAA[A-Za-z0-9_\-]{92,}={0,2}")  # 73 bytes or more
_LEGACY_FILE_HEAD = b"gAAAAA"


class DecryptionError(Exception):
    """A stored value cannot be decrypted with the configured keys (fail loudly, issue #11)."""


# -- keys ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Keyring:
    """The configured keys: ``primary`` encrypts, ``fernets`` (by key id) decrypt."""

    primary: str
    ids: tuple[str, ...]
    fernets: dict[str, Fernet]


def configured_keys() -> tuple[str, ...]:
    keys = settings.LAYAK_ENCRYPTION_KEYS
    if isinstance(keys, str):
        keys = [k for k in keys.split(",")]
    cleaned = tuple(str(k).strip() for k in keys or () if str(k).strip())
    if not cleaned:
        raise ImproperlyConfigured("LAYAK_ENCRYPTION_KEYS is empty: no key to encrypt with.")
    return cleaned


def _derive(secret: str) -> bytes:
    """The Fernet key (URL-safe base64 of 32 bytes) of one configured secret."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


def _key_id(fernet_key: bytes) -> str:
    return hashlib.sha256(b"layak-key-id\0" + fernet_key).hexdigest()[:8]


@lru_cache(maxsize=8)
def _keyring(keys: tuple[str, ...]) -> Keyring:
    fernets: dict[str, Fernet] = {}
    ids: list[str] = []
    for secret in keys:
        derived = _derive(secret)
        key_id = _key_id(derived)
        ids.append(key_id)
        fernets.setdefault(key_id, Fernet(derived))
    return Keyring(primary=ids[0], ids=tuple(ids), fernets=fernets)


def keyring() -> Keyring:
    """The keyring of the current settings (cached per distinct list of keys)."""
    return _keyring(configured_keys())


@lru_cache(maxsize=8)
def _legacy_cipher(keys: tuple[str, ...], secrets: tuple[str, ...]) -> MultiFernet:
    fernets = []
    for secret in secrets:
        for salt in keys:
            kdf = PBKDF2HMAC(
                algorithm=hashes.SHA256(),
                length=32,
                salt=salt.encode(),
                iterations=_LEGACY_ITERATIONS,
            )
            fernets.append(Fernet(base64.urlsafe_b64encode(kdf.derive(secret.encode()))))
    return MultiFernet(fernets)


def legacy_cipher() -> MultiFernet:
    """django-fernet-encrypted-fields' keys: PBKDF2(SECRET_KEY and fallbacks, salt=each key)."""
    secrets = (str(settings.SECRET_KEY), *(str(s) for s in settings.SECRET_KEY_FALLBACKS))
    return _legacy_cipher(configured_keys(), secrets)


# -- values ----------------------------------------------------------------------------------


def encrypt_bytes(content: bytes) -> bytes:
    """``lk1:<key id>:<Fernet token>`` of ``content`` under the first key."""
    ring = keyring()
    token = ring.fernets[ring.primary].encrypt(content)
    return b"%s:%s:%s" % (_PREFIX_BYTES, ring.primary.encode(), token)


def key_id_of(data: bytes | str) -> str | None:
    """The key id recorded in an encrypted value; ``None`` for a legacy (or clear) value."""
    head = data[:16].encode() if isinstance(data, str) else data[:16]
    if not head.startswith(_PREFIX_BYTES + b":") or head[12:13] != b":":
        return None
    return head[4:12].decode("ascii", "replace")


def is_legacy_token(data: bytes | str) -> bool:
    head = data[:6].encode() if isinstance(data, str) else data[:6]
    return head == _LEGACY_FILE_HEAD


def decrypt_bytes(data: bytes, *, label: str = "value") -> bytes:
    """The plain content of ``data`` (current or legacy format); never returns ciphertext.

    Raises :class:`DecryptionError` naming ``label`` and the key when no configured key fits.
    """
    key_id = key_id_of(data)
    if key_id is not None:
        fernet = keyring().fernets.get(key_id)
        if fernet is None:
            raise DecryptionError(
                f"{label} was encrypted with key id {key_id}, which is not in "
                "LAYAK_ENCRYPTION_KEYS. Put that key back in the list (see docs/keys.md)."
            )
        try:
            return fernet.decrypt(data[13:])
        except InvalidToken as exc:
            raise DecryptionError(
                f"{label} is damaged: key id {key_id} does not decrypt it."
            ) from exc
    if not is_legacy_token(data):
        raise DecryptionError(f"{label} is not encrypted data.")
    try:
        return legacy_cipher().decrypt(data)
    except InvalidToken as exc:
        raise DecryptionError(
            f"{label} was encrypted before issue #11 and neither SECRET_KEY nor "
            "SECRET_KEY_FALLBACKS with LAYAK_ENCRYPTION_KEYS decrypts it. Put the SECRET_KEY "
            "it was written under in SECRET_KEY_FALLBACKS and run `layak reencrypt` "
            "(see docs/keys.md)."
        ) from exc


def encrypt_text(plain: str) -> str:
    return encrypt_bytes(plain.encode()).decode("ascii")


def decrypt_text(token: str, *, label: str = "value") -> str:
    try:
        data = token.encode("ascii")
    except UnicodeEncodeError as exc:
        raise DecryptionError(f"{label} is not encrypted data.") from exc
    return decrypt_bytes(data, label=label).decode()


def is_current(data: bytes | str) -> bool:
    """Whether ``data`` is encrypted under the first key (nothing left to re-encrypt)."""
    return key_id_of(data) == keyring().primary


def looks_encrypted(value: str) -> bool:
    """Whether a text looks like ciphertext (ours or the legacy library's), not a value."""
    if key_id_of(value) is not None:
        return True
    return bool(_TOKEN_RE.fullmatch(value))


# -- fields ----------------------------------------------------------------------------------

_CIPHERTEXT = _("This is encrypted data, not a value; it cannot be saved.")


class EncryptedField(models.Field):  # type: ignore[type-arg]  # mixed into typed Django fields
    """Stored as ``lk1:<key id>:<token>`` text; read back as the Python type of the field.

    Decryption happens only when a value comes from the database (``from_db_value``), so
    forms and ``to_python`` deal with plain values only. Empty values (``None`` and ``""``)
    are stored as NULL. Encrypted values cannot be filtered on, only tested for NULL.
    """

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        if value is None:
            return None
        plain = decrypt_text(str(value), label=self._label())
        return self.to_python(plain)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return None
        if isinstance(value, str) and looks_encrypted(value):
            # Last guard: ciphertext shown in a form must never be stored encrypted again.
            raise ValidationError(_CIPHERTEXT, code="ciphertext")
        return encrypt_text(value.isoformat() if hasattr(value, "isoformat") else str(value))

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        return value if prepared else self.get_prep_value(value)

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        super().validate(value, model_instance)
        if isinstance(value, str) and looks_encrypted(value):
            raise ValidationError(_CIPHERTEXT, code="ciphertext")

    def _label(self) -> str:
        model = getattr(self, "model", None)
        if model is None:
            return f"field {self.name}"
        return f"{model._meta.label}.{self.name}"


class EncryptedCharField(EncryptedField, models.CharField):  # type: ignore[type-arg]
    pass


class EncryptedTextField(EncryptedField, models.TextField):  # type: ignore[type-arg]
    pass


class EncryptedDateField(EncryptedField, models.DateField):  # type: ignore[type-arg]
    pass


class EncryptedIntegerField(EncryptedField, models.IntegerField):  # type: ignore[type-arg]
    @cached_property
    def validators(self) -> list[Any]:
        # IntegerField looks its range up by internal type, which is "TextField" here.
        low, high = connection.ops.integer_field_range("IntegerField")
        extra: list[Any] = []
        if low is not None:
            extra.append(MinValueValidator(low))
        if high is not None:
            extra.append(MaxValueValidator(high))
        own: list[Any] = self._validators  # type: ignore[attr-defined]  # Field's, untyped
        return [*self.default_validators, *own, *extra]


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[EncryptedField]]]:
    """Every concrete model with encrypted columns, and those fields (from the registry)."""
    from django.apps import apps

    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
        if fields and not model._meta.proxy:
            yield model, fields


# -- files -----------------------------------------------------------------------------------


class EncryptedFileField(models.FileField):
    """A file stored encrypted (``lk1:<key id>:<token>`` bytes), written and read only through
    :func:`save_encrypted_file` and :func:`read_encrypted_file`.

    ``clear_legacy``: files stored before encryption was introduced (evaluation evidence,
    issue #11) are read as they are until ``layak reencrypt`` has encrypted them in place.
    """

    def __init__(self, *args: Any, clear_legacy: bool = False, **kwargs: Any) -> None:
        self.clear_legacy = clear_legacy
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.clear_legacy:
            kwargs["clear_legacy"] = True
        return name, path, args, kwargs


def save_encrypted_file(file: FieldFile, name: str, content: bytes) -> None:
    """Encrypt ``content`` in memory and store only the ciphertext (no clear copy on disk)."""
    file.save(name, ContentFile(encrypt_bytes(content)), save=False)


def read_encrypted_file(file: FieldFile) -> bytes:
    """The plain content of an encrypted file; raises :class:`DecryptionError` loudly."""
    with file.open("rb") as handle:
        data = handle.read()
    return decrypt_file_content(file.field, data, label=f"file {file.name}")


def decrypt_file_content(field: Any, data: bytes, *, label: str) -> bytes:
    if getattr(field, "clear_legacy", False) and not (
        key_id_of(data) is not None or is_legacy_token(data)
    ):
        return data
    return decrypt_bytes(data, label=label)


def encrypted_file_fields() -> Iterator[tuple[type[models.Model], list[EncryptedFileField]]]:
    from django.apps import apps

    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedFileField)]
        if fields and not model._meta.proxy:
            yield model, fields


# -- blind indexes ---------------------------------------------------------------------------


def _index_key() -> bytes:
    key = str(settings.LAYAK_INDEX_KEY or configured_keys()[-1])
    return hashlib.sha256(f"layak-index:{key}".encode()).digest()


def blind_index(kind: str, value: str) -> str:
    """The keyed hash of ``value`` (already normalised); empty for an empty value."""
    if not value:
        return ""
    return hmac.new(_index_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class BlindIndex:
    """How to recompute the index columns ``fields`` of ``model`` from one (decrypted) row."""

    model: type[models.Model]
    fields: tuple[str, ...]
    compute: Callable[[Any], dict[str, str]]


_BLIND_INDEXES: dict[str, BlindIndex] = {}


def register_blind_index(index: BlindIndex) -> None:
    """Called from a domain app's ``AppConfig.ready()`` so ``reencrypt --reindex`` finds it."""
    _BLIND_INDEXES[index.model._meta.label] = index


def blind_indexes() -> list[BlindIndex]:
    return list(_BLIND_INDEXES.values())
