"""The host's TLS certificate for note-takers' laptops, made on first use, and pinning.

The certificate is self-signed (no certificate authority knows a laptop in a community centre);
a laptop trusts it because the join address carries its SHA-256 fingerprint, as Syncthing and
KDE Connect pair devices. Made with `cryptography` (an EC P-256 key and an X.509 certificate:
the standard library cannot make either); served and checked with the standard library's `ssl`.
The key and certificate are kept in the database's settings, so every process on one database
(the app, `facilitator serve`, `facilitator pair`) serves and announces the same one.
"""

from __future__ import annotations

import errno
import hashlib
import os
import ssl
import tempfile
from datetime import UTC, datetime, timedelta

from facilitator.store import Store

SETTING = "sync.tls_pem"  # private key and certificate, PEM, one after the other


def make_pem(now: datetime | None = None) -> str:
    """A new private key and a self-signed certificate for it, valid ten years, as PEM.

    OSError when cryptography cannot be loaded (see _load_error)."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError as exc:
        raise _load_error(exc) from exc

    now = now or datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "facilitator note-takers")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem.decode() + cert.public_bytes(serialization.Encoding.PEM).decode()


def _load_error(exc: ImportError) -> OSError:
    """cryptography is loaded on first use, and part of it is compiled: loading a shared
    library takes a file descriptor, and when the process has none left (a flood of connections
    to the remark server at that moment) the import fails with an ImportError ("cannot open
    shared object file: Too many open files"), not an OSError. Callers that start the
    note-takers' server handle OSError, so it becomes one: EMFILE/ENFILE when that is what it
    says, else the import's own message."""
    text = str(exc)
    for code in (errno.EMFILE, errno.ENFILE):
        if os.strerror(code) in text:
            return OSError(code, os.strerror(code))
    return OSError(text)


def host_pem(store: Store) -> str:
    """This database's key and certificate, made the first time any process asks."""
    return store.settings.setdefault(SETTING, make_pem)


def cert_der(pem: str) -> bytes:
    start = pem.index("-----BEGIN CERTIFICATE-----")
    return ssl.PEM_cert_to_DER_cert(pem[start:])


def fingerprint(pem_or_der: str | bytes) -> str:
    """SHA-256 of the certificate (DER), as 64 lower-case hex digits."""
    der = pem_or_der if isinstance(pem_or_der, bytes) else cert_der(pem_or_der)
    return hashlib.sha256(der).hexdigest()


def normalise_fingerprint(text: str) -> str | None:
    """64 hex digits (colons and case as people write them allowed); None if it is not one."""
    hexes = text.replace(":", "").strip().lower()
    if len(hexes) != 64 or any(c not in "0123456789abcdef" for c in hexes):
        return None
    return hexes


def server_context(pem: str) -> ssl.SSLContext:
    """TLS 1.2 or newer with this key and certificate."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    # load_cert_chain reads files only: a private file that lives for the blink of loading it.
    fd, path = tempfile.mkstemp(prefix="facilitator-tls-", suffix=".pem")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(pem)
        ctx.load_cert_chain(path)
    finally:
        os.unlink(path)
    return ctx
