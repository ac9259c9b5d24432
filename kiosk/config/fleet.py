"""Fleet config pushed as signed bundles: check, keep the last good one, apply when idle.

`FleetConfig` checks the fleet directory: it reads it with `read_tree` (plain files only, within
size and count caps, nothing followed) into the state directory first and checks the copy, so
what is applied is exactly what was verified (the operator's tool may still be writing). A
directory that cannot be read the safe way is refused like a bad signature; nothing of it stays
behind. A valid bundle becomes a `Candidate`; a refused one is recorded (maintenance mode
and the heartbeat show the last refusal) and the running config stays. Every accepted bundle
stays on disk under ``state_dir/fleet/bundles/`` until two newer ones exist, so the last good
config survives a restart with a broken push (`FleetConfig.startup_layer`); that copy is
verified again (signature, digest, audience, version floor) at every start.

The rollback record (`highest_version`) lives in ``state.json``, which the kiosk user can write.
It is therefore never trusted alone: the floor is the highest of that record, the signed
version of every verified bundle kept under ``fleet/bundles/`` and the optional
``min_version`` file in the (root-owned) trust directory. Someone with the kiosk user's rights
who deletes both the record and the kept bundles can still go back to an older signed bundle of
the same audience that has not expired; ``min_version`` is what stops that.

`ConfigWatcher` polls the directory on its own thread (rsync, Ansible, Salt and USB copies all
look the same to a poll; inotify misses nothing but adds a dependency and NFS gaps) and hands a
checked candidate over; `IdleApplier`, called from the terminal's tick on the owner's thread,
applies it only when no citizen session is running.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kiosk.config.bundle import (
    MANIFEST,
    SIGNATURE,
    BundleRefused,
    Limits,
    Manifest,
    hash_files,
    load_revoked,
    load_trust,
    read_manifest,
    read_tree,
    unsigned_manifest,
    verify_bundle,
)
from kiosk.config.holidays import load_calendar
from kiosk.config.loader import ConfigError, load_config
from kiosk.config.schema import KioskConfig
from kiosk.fsutil import atomic_write
from kiosk.workdays import WorkCalendar

__all__ = ["Candidate", "ConfigWatcher", "FleetConfig", "IdleApplier"]

log = logging.getLogger("kiosk.config.fleet")

_KEEP_BUNDLES = 3
_MAX_PROBLEMS_SHOWN = 5
MIN_VERSION = "min_version"  # in the trust directory: the lowest version this terminal applies


@dataclass(frozen=True)
class Candidate:
    """A checked bundle, ready to apply: its config, calendar and manifest."""

    config: KioskConfig
    calendar: WorkCalendar
    manifest: Manifest
    path: Path  # the verified copy under state_dir/fleet/bundles/
    warnings: tuple[str, ...] = ()

    @property
    def version(self) -> int:
        return self.manifest.version


@dataclass
class _State:
    applied: dict[str, Any] | None = None
    highest_version: int = 0
    last_refusal: dict[str, Any] | None = None
    history: list[str] = field(default_factory=list)


class FleetConfig:
    """The fleet directory, the trust store and the record of what was applied or refused."""

    def __init__(
        self,
        state_dir: Path,
        conf_dir: Path,
        *,
        trust: Path,
        profile: str = "production",
        accept_unsigned_in_development: bool = True,
        extra_layers: Sequence[Path] = (),
        wall_clock: Callable[[], float] = time.time,
        audience: str | None = "default/production",
        max_version_step: int | None = 100,
        limits: Limits | None = None,
    ) -> None:
        self.conf_dir = Path(conf_dir)
        self.trust_path = Path(trust)
        self.profile = profile
        self.accept_unsigned = accept_unsigned_in_development
        self.extra_layers = [Path(p) for p in extra_layers]
        self.audience = audience
        self.max_version_step = max_version_step
        self.limits = limits or Limits()
        self._wall = wall_clock
        self._root = Path(state_dir) / "fleet"
        self._bundles = self._root / "bundles"
        self._state_path = self._root / "state.json"
        self._lock = threading.Lock()
        self._bundles.mkdir(parents=True, exist_ok=True)
        for stale in self._bundles.glob(".staging-*"):  # left by a process killed mid-check
            shutil.rmtree(stale, ignore_errors=True)
        self._state = self._load_state()

    # -- record ----------------------------------------------------------------------------------
    def _load_state(self) -> _State:
        try:
            data = json.loads(self._state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return _State()
        except (OSError, ValueError):
            log.error("fleet state %s unreadable; starting without rollback record", self._root)
            return _State()
        return _State(
            applied=data.get("applied"),
            highest_version=int(data.get("highest_version", 0)),
            last_refusal=data.get("last_refusal"),
            history=list(data.get("history", [])),
        )

    def _save_state(self) -> None:
        body = {
            "applied": self._state.applied,
            "highest_version": self._state.highest_version,
            "last_refusal": self._state.last_refusal,
            "history": self._state.history,
        }
        atomic_write(self._state_path, json.dumps(body, indent=2, sort_keys=True))

    @property
    def applied(self) -> dict[str, Any] | None:
        """What was applied last: version, digest, key, issued/applied times, path."""
        with self._lock:
            return dict(self._state.applied) if self._state.applied else None

    @property
    def last_refusal(self) -> dict[str, Any] | None:
        """The last refused bundle: code, reason, version, when."""
        with self._lock:
            return dict(self._state.last_refusal) if self._state.last_refusal else None

    def status(self) -> dict[str, Any]:
        """Config status for maintenance mode, health and metrics (no personal data)."""
        applied = self.applied or {}
        return {
            "version": applied.get("version"),
            "signed": applied.get("signed"),
            "key_id": applied.get("key_id"),
            "issued_at": applied.get("issued_at"),
            "applied_at": applied.get("applied_at"),
            "digest": applied.get("digest"),
            "warnings": applied.get("warnings", []),
            "conf_dir": str(self.conf_dir),
            "last_refusal": self.last_refusal,
        }

    # -- checking --------------------------------------------------------------------------------
    def check(self) -> Candidate:
        """Copy the fleet directory, verify the copy and validate it; BundleRefused if bad.

        Every refusal is recorded (maintenance mode and the heartbeat show it); an unexpected
        file-system error becomes a refusal too (BundleRefused), never an OSError.
        """
        try:
            return self._check()
        except BundleRefused as refusal:
            self._refused(refusal)
            raise
        except OSError as exc:
            failed = BundleRefused(
                "invalid", f"{self.conf_dir}: {exc.strerror or type(exc).__name__}"
            )
            self._refused(failed)
            raise failed from None

    def _check(self) -> Candidate:
        if not self.conf_dir.is_dir() or self.conf_dir.is_symlink():
            raise BundleRefused("invalid", f"{self.conf_dir} is not a directory")
        tree = read_tree(self.conf_dir, self.limits)  # refuses before anything is written
        staged = self._bundles / (
            f".staging-{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}"
        )
        try:
            _write_tree(staged, tree)
            del tree
            return self._verify(staged)
        finally:
            shutil.rmtree(staged, ignore_errors=True)  # gone once renamed; removed on refusal

    def floor(self) -> int:
        """The lowest version that may apply: see the module docstring."""
        with self._lock:
            highest = self._state.highest_version
        highest = max(highest, _min_version(self.trust_path))
        trust = load_trust(self.trust_path)
        for kept in self._bundles.glob("v*"):
            try:
                m = verify_bundle(kept, trust, revoked=load_revoked(self.trust_path))
            except (BundleRefused, OSError):
                continue
            highest = max(highest, m.version)
        return highest

    def _verify(self, staged: Path) -> Candidate:
        warnings: list[str] = []
        with self._lock:
            applied = self._state.applied
        highest = self.floor()
        try:
            manifest = verify_bundle(
                staged,
                load_trust(self.trust_path),
                applied_version=highest or None,
                applied_digest=applied.get("digest")
                if applied and applied.get("version") == highest
                else None,
                audience=self.audience,
                now=self._wall(),
                revoked=load_revoked(self.trust_path),
                max_version_step=self.max_version_step,
                limits=self.limits,
            )
        except BundleRefused as refusal:
            unsigned = refusal.code == "unsigned" and not (staged / MANIFEST).exists()
            if not (unsigned and self.profile == "development" and self.accept_unsigned):
                raise
            manifest = unsigned_manifest(staged, self.limits)
            warnings.append("unsigned bundle accepted (development profile)")
            log.warning(
                "config: %s is unsigned; accepted because the profile is development", self.conf_dir
            )
        final = self._bundles / f"v{manifest.version:06d}-{manifest.digest[:12]}"
        if final.exists():
            shutil.rmtree(final)
        # Validate at the final path so the config's sources name files that stay on disk.
        os.replace(staged, final)
        try:
            config, calendar = self._load(final)
        except BundleRefused as refusal:
            shutil.rmtree(final, ignore_errors=True)
            raise BundleRefused(
                refusal.code, refusal.reason, version=manifest.version or None
            ) from None
        return Candidate(
            config=config,
            calendar=calendar,
            manifest=manifest,
            path=final,
            warnings=tuple(warnings),
        )

    def _load(self, final: Path) -> tuple[KioskConfig, WorkCalendar]:
        layers = [final, *self.extra_layers]
        try:
            # Holidays only from the signed bundle: the terminal's own file is no holiday layer.
            return load_config(layers), load_calendar([final])
        except ConfigError as exc:
            shown = [
                str(p).replace(str(final), str(self.conf_dir))
                for p in exc.problems[:_MAX_PROBLEMS_SHOWN]
            ]
            more = len(exc.problems) - len(shown)
            reason = "; ".join(shown) + (f" (and {more} more)" if more > 0 else "")
            raise BundleRefused("schema", reason) from None

    def _refused(self, refusal: BundleRefused) -> None:
        record = {**refusal.to_dict(), "at": self._wall(), "conf_dir": str(self.conf_dir)}
        with self._lock:
            changed = (self._state.last_refusal or {}).get("reason") != refusal.reason
            self._state.last_refusal = record
            self._save_state()
        if changed:
            log.warning("config bundle refused (%s): %s", refusal.code, refusal.reason)

    # -- applying --------------------------------------------------------------------------------
    def commit(self, candidate: Candidate) -> None:
        """Record `candidate` as applied (call once the terminal runs it)."""
        m = candidate.manifest
        record = {
            "version": m.version,
            "digest": m.digest,
            "key_id": m.key_id,
            "issued_at": m.issued_at,
            "signed": m.signed,
            "applied_at": self._wall(),
            "path": str(candidate.path),
            "warnings": list(candidate.warnings),
        }
        with self._lock:
            self._state.applied = record
            if m.signed:
                self._state.highest_version = max(self._state.highest_version, m.version)
            name = candidate.path.name
            self._state.history = [h for h in self._state.history if h != name] + [name]
            old, self._state.history = (
                self._state.history[:-_KEEP_BUNDLES],
                self._state.history[-_KEEP_BUNDLES:],
            )
            self._save_state()
        for stale in old:
            shutil.rmtree(self._bundles / stale, ignore_errors=True)
        log.info(
            "config bundle version %d applied (%s)",
            m.version,
            m.key_id if m.signed else "unsigned",
        )

    def is_current(self) -> bool:
        """True when the fleet directory holds exactly the applied bundle (nothing to check)."""
        applied = self.applied
        if not applied or not (self.conf_dir / MANIFEST).is_file():
            return False
        try:
            raw = read_manifest(self.conf_dir).raw
        except BundleRefused:
            return False
        return hashlib.sha256(raw).hexdigest() == applied.get("digest") and _same_files(
            self.conf_dir, Path(applied["path"]), self.limits
        )

    def startup_layer(self) -> Path | None:
        """The directory to start from: the fleet dir if it checks, else the last good copy.

        The last good copy is verified again first (signature, the recorded digest, audience,
        version floor); one that fails is refused and recorded. Returns None when nothing usable
        exists (a fresh terminal runs on the shipped defaults).
        """
        if self.conf_dir.is_dir():
            try:
                candidate = self.check()
            except BundleRefused:
                pass
            else:
                self.commit(candidate)
                return candidate.path
        return self.last_good()

    def last_good(self) -> Path | None:
        """The applied copy under ``fleet/bundles/`` if it verifies again, else None."""
        applied = self.applied
        if not applied or not applied.get("path"):
            return None
        good = Path(applied["path"])
        try:
            self._reverify(good, applied)
        except BundleRefused as refusal:
            self._refused(
                BundleRefused(
                    refusal.code, f"last good copy: {refusal.reason}", version=refusal.version
                )
            )
            log.error("config: the last good bundle %s is refused: %s", good.name, refusal.reason)
            return None
        except OSError as exc:
            self._refused(
                BundleRefused("invalid", f"last good copy: {exc.strerror or type(exc).__name__}")
            )
            return None
        if self.conf_dir.is_dir():
            log.warning("config: starting from the last good bundle %s", good.name)
        return good

    def _reverify(self, good: Path, applied: dict[str, Any]) -> None:
        if (
            good.is_symlink()
            or good.parent.resolve() != self._bundles.resolve()
            or not good.is_dir()
        ):
            raise BundleRefused("invalid", f"{good} is not a kept bundle under {self._bundles}")
        if not applied.get("signed"):
            if self.profile == "development" and self.accept_unsigned:
                unsigned_manifest(good, self.limits)  # still plain files only
                return
            raise BundleRefused("unsigned", "the kept bundle is unsigned (development only)")
        trust = load_trust(self.trust_path)
        manifest = verify_bundle(
            good,
            trust,
            audience=self.audience,
            revoked=load_revoked(self.trust_path),
            limits=self.limits,
        )
        if manifest.digest != applied.get("digest"):
            raise BundleRefused("tampered", "the manifest is not the one recorded as applied")
        # Not `floor()`: a kept copy checked but never applied must not lock out the last good.
        with self._lock:
            floor = max(self._state.highest_version, _min_version(self.trust_path))
        if manifest.version < floor:
            raise BundleRefused(
                "rollback",
                f"version {manifest.version} is older than {floor}",
                version=manifest.version,
            )


def _write_tree(staged: Path, tree: dict[str, bytes]) -> None:
    staged.mkdir(mode=0o700)
    for rel, data in tree.items():
        target = staged / rel
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(target, flags, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)


def _min_version(trust: Path) -> int:
    file = (trust if trust.is_dir() else trust.parent) / MIN_VERSION
    try:
        return int(file.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        return 0
    except (OSError, ValueError):
        raise BundleRefused("invalid", f"{file} is not a version number") from None


def _same_files(a: Path, b: Path, limits: Limits) -> bool:
    try:
        ta, tb = read_tree(a, limits), read_tree(b, limits)
    except BundleRefused:
        return False
    return hash_files(ta) == hash_files(tb) and ta.get(SIGNATURE) == tb.get(SIGNATURE)


def _fingerprint(directory: Path) -> tuple[tuple[str, int, int], ...]:
    out = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(dirs)
        for name in sorted(files):
            path = Path(root) / name
            try:
                st = path.lstat()
            except OSError:
                continue
            out.append((str(path.relative_to(directory)), st.st_size, st.st_mtime_ns))
    return tuple(out)


class ConfigWatcher:
    """Polls the fleet directory; a change that has settled is checked off the owner's thread."""

    def __init__(
        self,
        fleet: FleetConfig,
        *,
        poll_s: float = 10.0,
        settle_polls: int = 1,
        on_pending: Callable[[], None] | None = None,
    ) -> None:
        self.fleet = fleet
        self.poll_s = poll_s
        self.settle_polls = settle_polls
        self._on_pending = on_pending
        self._pending: Candidate | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._checked: object = None  # fingerprint last checked
        self._seen: object = None
        self._stable = 0

    def mark_current(self) -> None:
        """Treat what the directory holds now as already checked (after a startup check)."""
        self._checked = self._seen = _fingerprint(self.fleet.conf_dir)

    def poll_once(self) -> str | None:
        """One poll: 'pending', 'refused', 'unchanged' or None while a change settles."""
        fp = _fingerprint(self.fleet.conf_dir)
        if fp == self._checked:
            return "unchanged"
        if fp != self._seen:
            self._seen = fp
            self._stable = 0
        else:
            self._stable += 1
        if self._stable < self.settle_polls:
            return None
        self._checked = fp
        if self.fleet.is_current():
            return "unchanged"
        try:
            candidate = self.fleet.check()
        except BundleRefused:
            return "refused"
        with self._lock:
            old, self._pending = self._pending, candidate
        if old is not None and old.path != candidate.path:
            log.info("config bundle version %d superseded before it applied", old.version)
        log.info(
            "config bundle version %d checked; applies at the next idle moment", candidate.version
        )
        if self._on_pending is not None:
            self._on_pending()
        return "pending"

    @property
    def pending(self) -> Candidate | None:
        """The checked bundle waiting for an idle moment, if any."""
        with self._lock:
            return self._pending

    def take_pending(self, candidate: Candidate) -> bool:
        """Remove `candidate` from pending (False if a newer one replaced it meanwhile)."""
        with self._lock:
            if self._pending is not candidate:
                return False
            self._pending = None
            return True

    def start(self) -> None:
        """Start the polling thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="kiosk-config-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the polling thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # the watcher must outlive a bad push or a full disk
                log.exception("config watcher poll failed")
            self._stop.wait(self.poll_s)


class ConfigTarget(Protocol):
    """What the applier needs of the terminal."""

    @property
    def session_active(self) -> bool: ...

    def apply_config(self, config: KioskConfig, calendar: WorkCalendar) -> list[str]: ...


class IdleApplier:
    """Applies a pending bundle at the next idle moment; call it from the terminal's tick."""

    def __init__(
        self,
        watcher: ConfigWatcher,
        target: ConfigTarget,
        *,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self.watcher = watcher
        self.target = target
        self.busy = busy
        self.restart_needed: list[str] = []
        self._waiting_for: int | None = None

    def __call__(self) -> bool:
        """Apply if something is pending and nobody is using the terminal; True if applied."""
        candidate = self.watcher.pending
        if candidate is None:
            return False
        if self.target.session_active or self.busy():
            if self._waiting_for != candidate.version:
                self._waiting_for = candidate.version
                log.info("config bundle version %d waits for the session to end", candidate.version)
            return False
        if not self.watcher.take_pending(candidate):
            return False
        self._waiting_for = None
        self.restart_needed = self.target.apply_config(candidate.config, candidate.calendar)
        self.watcher.fleet.commit(candidate)
        if self.restart_needed:
            log.warning(
                "config: %s change applies at the next restart", ", ".join(self.restart_needed)
            )
        return True
