"""The optional contact of an online booking, encrypted at rest.

An email address is stored only as a Fernet token (AES-128-CBC with HMAC-SHA256,
``cryptography``) under a key generated once into the instance folder (``contact_key``,
0600), never defaulted: a copy of the database alone reveals no address. Whether two
bookings share an address is decided by a keyed hash (HMAC-SHA256 of the normalised address
under a key derived from the same secret), never by the plaintext. Outgoing mail keeps its
recipient encrypted the same way (``servicepoint.mail``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from servicepoint.errors import InvalidInput

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

KEY_FILE = "contact_key"
MAX_EMAIL = 254
# One @, something before it, a dot in the domain, no spaces or controls: what a mail server
# accepts is its business; this refuses typing slips and anything that is not one address.
_EMAIL = re.compile(
    r"^[^@\s\x00-\x1f\x7f<>,;\"]{1,64}@[^@\s\x00-\x1f\x7f<>,;\"]+\.[^@\s\x00-\x1f\x7f<>,;\".]{2,}$"
)


def clean_email(value: str, field: str = "email") -> str:
    """The address as it is stored (trimmed, the domain in lower case), or InvalidInput."""
    value = value.strip()
    if len(value) > MAX_EMAIL or not _EMAIL.match(value):
        raise InvalidInput("bad_email", field=field)
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def instance_key(instance_path: str | Path) -> bytes:
    """The Fernet key in the instance folder, generated on first use (0600)."""
    from cryptography.fernet import Fernet

    path = Path(instance_path) / KEY_FILE
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key


class ContactCipher:
    """Encrypts, decrypts and hashes contacts with one installation's key."""

    def __init__(self, key: bytes) -> None:
        from cryptography.fernet import Fernet

        self._fernet: Fernet = Fernet(key)
        self._hash_key = hmac.new(key, b"servicepoint contact hash", hashlib.sha256).digest()

    @classmethod
    def for_instance(cls, instance_path: str | Path) -> ContactCipher:
        """The cipher of the installation whose instance folder this is."""
        return cls(instance_key(instance_path))

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode("ascii")).decode()

    def email_hash(self, email: str) -> str:
        """The keyed hash two bookings of one address share (whatever its case)."""
        return hmac.new(self._hash_key, email.casefold().encode(), hashlib.sha256).hexdigest()


_EXTENSION = "servicepoint.contacts"


def of_app(app: Any) -> ContactCipher:
    """The cipher of this application's installation (kept in ``app.extensions``)."""
    found: ContactCipher | None = app.extensions.get(_EXTENSION)
    if found is None:
        found = ContactCipher.for_instance(app.instance_path)
        app.extensions[_EXTENSION] = found
    return found
