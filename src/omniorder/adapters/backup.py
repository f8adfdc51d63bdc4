"""Backing up and restoring an SQLite database while its server runs (docs/operations.md,
*Backups*). PostgreSQL is backed up with its own tools (`pg_dump`, `pg_restore`).

A backup is SQLite's online backup (`sqlite3.Connection.backup`) copying every page in one
step: it reads one snapshot, so it is consistent however much the server writes meanwhile
(in WAL mode writers do not wait for it). A restore first checks that the file is an
Omniorder database of the expected role at a migration this version knows, and refuses to
replace a database a running server has open unless told to.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory

from omniorder.adapters.migrate import ROLES, alembic_config

SQLITE_PREFIX = "sqlite:///"


class BackupRefused(Exception):
    """The backup or restore was not done; the message says why in one sentence."""


@dataclass(frozen=True)
class Checked:
    """What a backup file holds: its role, its migration, and whether that is the newest."""

    role: str
    revision: str
    is_newest: bool


def sqlite_path(url: str) -> Path:
    """The file of an SQLite URL; PostgreSQL and other databases are refused."""
    if url.startswith("postgresql"):
        raise BackupRefused(
            "this is a PostgreSQL database: back it up with pg_dump -Fc and restore it with "
            "pg_restore (docs/operations.md, Backups)"
        )
    if not url.startswith(SQLITE_PREFIX) or url == "sqlite:///:memory:":
        raise BackupRefused(f"only SQLite files and PostgreSQL are supported, not {url}")
    return Path(url.removeprefix(SQLITE_PREFIX))


def backup(url: str, target: Path, *, overwrite: bool = False) -> Checked:
    """Copy the live database at `url` to the file `target` (written whole, then renamed)."""
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise BackupRefused(f"there is no database at {source_path}")
    if target.exists() and not overwrite:
        raise BackupRefused(f"{target} exists; choose another file or pass --force")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(source_path, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # every page at once: one consistent snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
    finally:
        source.close()
    try:
        checked = check(partial)
    except BackupRefused:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return checked


def check(path: Path, *, role: str | None = None) -> Checked:
    """The role and migration of an Omniorder SQLite file; refused if it is none, is
    damaged, is of another role, or has a migration this version does not know."""
    if not path.is_file():
        raise BackupRefused(f"there is no file {path}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (integrity,) = conn.execute("PRAGMA quick_check").fetchone()
            # Each role keeps its migration in its own table (migrations/env.py).
            rows = [
                (role_of_table, revision)
                for role_of_table in ROLES
                if conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                    (f"alembic_version_{role_of_table}",),
                ).fetchone()
                for (revision,) in conn.execute(
                    f"SELECT version_num FROM alembic_version_{role_of_table}"
                )
            ]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise BackupRefused(f"{path} is not an Omniorder database ({error})") from None
    if integrity != "ok":
        raise BackupRefused(f"{path} is damaged: {integrity}")
    if len(rows) != 1:
        raise BackupRefused(f"{path} is not an Omniorder database (no single migration)")
    found, revision = rows[0][0], str(rows[0][1])
    if role is not None and found != role:
        raise BackupRefused(f"{path} is a {found} database, not a {role} one")
    scripts = ScriptDirectory.from_config(alembic_config(found, "sqlite://"))
    if scripts.get_revision(revision) is None:
        raise BackupRefused(f"{path} has migration {revision}, which this version does not know")
    return Checked(found, revision, revision == scripts.get_current_head())


def in_use(path: Path) -> bool:
    """Has another connection (a running server) the database at `path` open? A WAL
    database leaves WAL mode only when no other connection has it open."""
    if not path.exists():
        return False
    conn = sqlite3.connect(path, timeout=0)
    try:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            return False
        changed = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        if changed == "delete":
            conn.execute("PRAGMA journal_mode=WAL")
            return False
        return True
    except sqlite3.OperationalError:
        return True  # locked by another connection
    finally:
        conn.close()


def restore(source: Path, url: str, *, role: str, force: bool = False) -> Checked:
    """Replace the database at `url` with the backup file `source`."""
    target = sqlite_path(url)
    checked = check(source, role=role)
    if not force and in_use(target):
        raise BackupRefused(
            f"{target} is open in a running server; stop it first (or pass --force)"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        live = sqlite3.connect(target, timeout=30)
        try:
            backup_file.backup(live)
            live.execute("PRAGMA journal_mode=WAL")
        finally:
            live.close()
    finally:
        backup_file.close()
    return checked
