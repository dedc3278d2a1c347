"""Where the ledger's signing key (账本签名密钥) lives: outside the database, in a key file or
in the environment, so that whoever can write the database still cannot sign.

- ``$CREDITLINE_LEDGER_KEY``: the private key itself (base64 of the 32-byte Ed25519 seed, or
  PKCS#8 PEM), for deployments that hand secrets over in the environment;
- else the key file ``$CREDITLINE_LEDGER_KEY_FILE`` (PKCS#8 PEM, mode 0600);
- else the default file: ``$XDG_CONFIG_HOME/creditline/ledger.key`` (``~/.config/...``) for
  a live database, one key per operator account, never beside the database file (whoever can
  write that file can usually write its folder); for a sandbox, a throwaway key in the temp
  folder (``/tmp/creditline-sandbox-UID/ledger.key``), so that demos never touch a real key.

``ledger verify`` trusts the public keys pinned in ``$CREDITLINE_LEDGER_PUBLIC_KEY`` (base64,
comma-separated, old keys after a rotation included) and the signing key's own; with neither,
it falls back on the keys recorded in the database and says so.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creditline.domain.checkpoints import KEY_BYTES, PublicKey, SigningKey, key_bytes
from creditline.domain.errors import LedgerKeyError
from creditline.service.ledger_ports import KeyTrust

ENV_KEY = "CREDITLINE_LEDGER_KEY"
ENV_KEY_FILE = "CREDITLINE_LEDGER_KEY_FILE"
ENV_PUBLIC_KEY = "CREDITLINE_LEDGER_PUBLIC_KEY"


@dataclass(frozen=True, slots=True)
class LoadedKey:
    """A signing key and where it came from (a file's path, or the variable's name)."""

    key: SigningKey
    source: str
    created: bool = False


def key_file(*, sandbox: bool) -> Path:
    """The key file this process would use (see the module's docstring)."""
    explicit = os.environ.get(ENV_KEY_FILE)
    if explicit:
        return Path(explicit).expanduser()
    if sandbox:
        return Path(tempfile.gettempdir()) / f"creditline-sandbox-{os.getuid()}" / "ledger.key"
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "creditline" / "ledger.key"


def _crypto() -> tuple[Any, Any]:
    """cryptography's serialization and Ed25519, imported on first use: loading OpenSSL's
    bindings costs a command that signs nothing (``line show``) about 50 ms."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415 - see above
    from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: PLC0415

    return serialization, ed25519


def parse_private(text: str, where: str) -> SigningKey:
    """A signing key from PKCS#8 PEM or the base64 of its seed; ``where`` names the source."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        serialization, ed25519 = _crypto()
        try:
            loaded = serialization.load_pem_private_key(text.encode(), password=None)
        except (ValueError, TypeError) as exc:
            raise LedgerKeyError("ledger_key_invalid", f"{where}: not a PEM key ({exc})") from exc
        if not isinstance(loaded, ed25519.Ed25519PrivateKey):
            raise LedgerKeyError("ledger_key_invalid", f"{where}: not an Ed25519 private key")
        return SigningKey(loaded.private_bytes_raw())
    seed = key_bytes(text)
    if seed is None:
        raise LedgerKeyError(
            "ledger_key_invalid", f"{where}: neither PEM nor the base64 of a 32-byte seed"
        )
    return SigningKey(seed)


def load_signing_key(*, sandbox: bool) -> LoadedKey | None:
    """The signing key from the environment or the key file; None if there is none."""
    text = os.environ.get(ENV_KEY)
    if text:
        return LoadedKey(parse_private(text, f"${ENV_KEY}"), f"${ENV_KEY}")
    path = key_file(sandbox=sandbox)
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerKeyError("ledger_key_invalid", f"{path}: cannot read ({exc})") from exc
    return LoadedKey(parse_private(text, str(path)), str(path))


def ensure_signing_key(*, sandbox: bool) -> LoadedKey:
    """The signing key, a new key file (mode 0600, in a folder of mode 0700) if none exists."""
    found = load_signing_key(sandbox=sandbox)
    if found is not None:
        return found
    path = key_file(sandbox=sandbox)
    seed = secrets.token_bytes(KEY_BYTES)
    serialization, ed25519 = _crypto()
    pem = ed25519.Ed25519PrivateKey.from_private_bytes(seed).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # O_EXCL: two inits at once must not each write a key and sign with different ones.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        loaded = load_signing_key(sandbox=sandbox)
        if loaded is None:
            raise LedgerKeyError("ledger_key_missing", f"{path} vanished") from None
        return loaded
    except OSError as exc:
        raise LedgerKeyError("ledger_key_missing", f"cannot create {path}: {exc}") from exc
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return LoadedKey(SigningKey(seed), str(path), created=True)


def pinned_keys() -> tuple[PublicKey, ...]:
    """The public keys pinned in ``$CREDITLINE_LEDGER_PUBLIC_KEY``."""
    found = []
    for part in os.environ.get(ENV_PUBLIC_KEY, "").replace(",", " ").split():
        key = PublicKey.from_text(part)
        if key is None:
            raise LedgerKeyError(
                "ledger_key_invalid", f"${ENV_PUBLIC_KEY}: {part!r} is not a base64 Ed25519 key"
            )
        found.append(key)
    return tuple(found)


def trusted_keys(*, sandbox: bool) -> KeyTrust:
    """The keys ``verify`` trusts from outside the database: the pinned ones and the signing
    key's own (an old key stays trusted after a rotation only if it is pinned)."""
    keys, sources = list(pinned_keys()), []
    if keys:
        sources.append(f"${ENV_PUBLIC_KEY}")
    loaded = load_signing_key(sandbox=sandbox)
    if loaded is not None:
        sources.append(loaded.source)
        if loaded.key.public not in keys:
            keys.append(loaded.key.public)
    return KeyTrust(tuple(keys), " + ".join(sources))
