"""The users file: who may sign in, with which role, seeing which partner's areas.

A deployment that wants sign-in names a TOML file (``--users users.toml`` or
``COVERAGE_ATLAS_USERS``)::

    [settings]
    require_sign_in = true          # default true when a users file is given

    [[users]]
    username = "rc-tehran"
    name = "Red Crescent, Tehran desk"
    role = "partner"                # admin | planner | manager | partner
    partner_id = "P2"               # required for role partner, refused for the others
    email = "desk@example.org"      # optional: matches an OIDC sign-in (st.login) to this entry
    password_hash = "$argon2id$v=19$m=65536,t=3,p=4$..."

Passwords are kept only as argon2id hashes (argon2-cffi). Add a user, or change a password, with::

    python -m geodata.users.accounts add users.toml --username rc-tehran --role partner --partner P2

which asks for the password (or reads it from standard input with ``--password-stdin``).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geodata.tables.problems import DataError

ROLES: tuple[str, ...] = ("admin", "planner", "manager", "partner")

_HASHER = PasswordHasher()
# Verified when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


@dataclass(frozen=True)
class User:
    """One person who may sign in."""

    username: str
    name: str
    role: str
    partner_id: str | None = None
    email: str | None = None
    password_hash: str | None = None


@dataclass(frozen=True)
class Users:
    """The users file, read and checked."""

    users: tuple[User, ...]
    require_sign_in: bool = True

    def by_username(self, username: str) -> User | None:
        wanted = username.strip().casefold()
        return next((u for u in self.users if u.username.casefold() == wanted), None)

    def by_email(self, email: str | None) -> User | None:
        if not email:
            return None
        wanted = email.strip().casefold()
        return next((u for u in self.users if u.email and u.email.casefold() == wanted), None)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` for the users file."""
    if len(password) < 8:
        raise ValueError("A password needs at least 8 characters.")
    return _HASHER.hash(password)


def check_password(users: Users, username: str, password: str) -> User | None:
    """The user whose name and password match, else ``None`` (same work either way)."""
    user = users.by_username(username)
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return user if user is not None and user.password_hash else None


def _user(entry: Mapping, where: str) -> User:
    if not isinstance(entry, Mapping):
        raise DataError(f"{where}: each [[users]] entry must be a table.")
    username = str(entry.get("username") or "").strip()
    if not username:
        raise DataError(f"{where}: a user has no username.")
    role = str(entry.get("role") or "").strip()
    if role not in ROLES:
        raise DataError(
            f"{where}: user {username!r} has role {role!r}; allowed: {', '.join(ROLES)}."
        )
    partner = entry.get("partner_id")
    partner = str(partner).strip() if partner not in (None, "") else None
    if role == "partner" and partner is None:
        raise DataError(f"{where}: user {username!r} is a partner but names no partner_id.")
    if role != "partner" and partner is not None:
        raise DataError(
            f"{where}: user {username!r} has role {role!r} and a partner_id; only partner users "
            "are tied to a partner."
        )
    password_hash = entry.get("password_hash")
    if password_hash is not None and not str(password_hash).startswith("$argon2"):
        raise DataError(
            f"{where}: user {username!r} has a password_hash that is not an argon2 hash; make one "
            "with `python -m geodata.users.accounts add`."
        )
    email = entry.get("email")
    return User(
        username=username,
        name=str(entry.get("name") or username),
        role=role,
        partner_id=partner,
        email=str(email).strip() if email else None,
        password_hash=str(password_hash) if password_hash else None,
    )


def parse_users(text: str, where: str = "users file") -> Users:
    """Read a users file's text (see the module docstring)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{where}: not valid TOML ({exc}).") from exc
    entries = data.get("users", [])
    if not isinstance(entries, list):
        raise DataError(f"{where}: users must be written as [[users]] tables.")
    users = tuple(_user(entry, where) for entry in entries)
    seen: set[str] = set()
    for user in users:
        if user.username.casefold() in seen:
            raise DataError(f"{where}: the username {user.username!r} appears twice.")
        seen.add(user.username.casefold())
    settings = data.get("settings", {})
    return Users(users=users, require_sign_in=bool(settings.get("require_sign_in", True)))


def read_users(path: str | Path) -> Users:
    """Read and check the users file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: the users file cannot be read ({exc.strerror}).") from exc
    return parse_users(text, str(path))


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_user(path: str | Path, user: User) -> None:
    """Add ``user`` to the users file at ``path`` (created when absent), replacing a namesake."""
    path = Path(path)
    existing = read_users(path) if path.exists() else Users(users=())
    kept = [u for u in existing.users if u.username.casefold() != user.username.casefold()]
    lines = ["[settings]", f"require_sign_in = {str(existing.require_sign_in).lower()}", ""]
    for entry in [*kept, user]:
        lines.append("[[users]]")
        for field in ("username", "name", "role", "partner_id", "email", "password_hash"):
            value = getattr(entry, field)
            if value:
                lines.append(f"{field} = {_toml_string(str(value))}")
        lines.append("")
    parse_users("\n".join(lines), str(path))  # never write a file that would not read back
    # Readable by its owner only (the password hashes are nobody else's business), from the
    # first byte: the temporary file is created 0600 and then takes the users file's place.
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), 0o600)  # whatever the umask
        out.write("\n".join(lines))
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geodata.users.accounts", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add a user or change a user's password")
    add.add_argument("file", type=Path)
    add.add_argument("--username", required=True)
    add.add_argument("--name", default="")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--partner", default=None, help="partner_id (role partner only)")
    add.add_argument("--email", default=None, help="matches an OIDC sign-in to this user")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    listing = commands.add_parser("list", help="list the users of a users file")
    listing.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            for user in read_users(args.file).users:
                scope = f" (partner {user.partner_id})" if user.partner_id else ""
                print(f"{user.username}\t{user.role}{scope}\t{user.name}")
            return 0
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if getpass.getpass("Again: ") != password:
                print("error: the two passwords differ", file=sys.stderr)
                return 2
        user = User(
            username=args.username,
            name=args.name or args.username,
            role=args.role,
            partner_id=args.partner,
            email=args.email,
            password_hash=hash_password(password),
        )
        write_user(args.file, user)
    except (DataError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"User {args.username} ({args.role}) written to {args.file}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
