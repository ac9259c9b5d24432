"""The fleet directory fails closed: each attack of the security review, run against a terminal.

Every test starts a terminal on a signed bundle (version 1) with one transaction queued, then
runs one attack. Each asserts the attack is refused with a clear reason (the refusal record that
maintenance mode and the heartbeat show), that the running config and the last good bundle stay,
that nothing is left in the staging area and that the queued transaction is still there.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.compose import build_terminal
from kiosk.config import ConfigError, load_config
from kiosk.config.bundle import (
    BundleRefused,
    Limits,
    key_id,
    load_private_key,
    read_tree,
    sign_bundle,
)
from kiosk.config.fleet import ConfigWatcher, FleetConfig
from kiosk.config.holidays import calendar_layers, load_calendar
from kiosk.terminal import Terminal

from .conftest import FakeClock
from .test_bundle import RENAMED_TITLE, make_key, write_bundle

ORIGINAL_TITLE = "个人所得税纳税记录开具"
REAL_DEVICES = """
[devices.idcard]
backend = "sam"
[devices.idcard.options]
url = "/dev/kiosk-idcard"
[devices.receipt]
backend = "escpos"
[devices.receipt.options]
url = "tcp://127.0.0.1:9"
[devices.licence]
backend = "cups"
[devices.licence.options]
queue = "kiosk-licence"
[devices.camera]
backend = "opencv"
"""


@dataclass
class Running:
    terminal: Terminal
    fleet: FleetConfig
    conf: Path
    state: Path
    trust: Path
    key: Path
    good: Path
    tmp: Path

    def new_fleet(self, **kwargs: object) -> FleetConfig:
        """The fleet record as a restarted terminal sees it."""
        return FleetConfig(self.state, self.conf, trust=self.trust, **kwargs)  # type: ignore[arg-type]


def _sign(directory: Path, key: Path, **kwargs: object) -> None:
    sign_bundle(directory, load_private_key(key), **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def running(tmp_path: Path, clock: FakeClock) -> Iterator[Running]:
    key, pub = make_key(tmp_path / "keys", "operator")
    trust = tmp_path / "trust"
    trust.mkdir()
    shutil.copy(pub, trust / "operator.pub")
    state = tmp_path / "state"
    conf = write_bundle(tmp_path / "conf.d", state)
    _sign(conf, key)
    fleet = FleetConfig(state, conf, trust=trust)
    good = fleet.startup_layer()
    assert good is not None and fleet.applied is not None and fleet.applied["version"] == 1
    term = build_terminal(load_config([good]), sim=True, state_dir=state, clock=clock)
    term.start()
    term.outbox.enqueue("tax_record", {"year": 2026}, {})
    assert term.outbox.counts()["queued"] == 1
    try:
        yield Running(term, fleet, conf, state, trust, key, good, tmp_path)
    finally:
        term.stop()


def push_v2(r: Running, **sign_kwargs: object) -> None:
    """A legitimate-looking new version in the fleet directory (renames a service)."""
    write_bundle(r.conf, r.state, RENAMED_TITLE)
    _sign(r.conf, r.key, **sign_kwargs)


def assert_refused(r: Running, code: str, words: str) -> None:
    """Refused by the watcher and at a restart; the last good config stays; nothing lost."""
    watcher = ConfigWatcher(r.fleet, poll_s=0.01, settle_polls=0)
    assert watcher.poll_once() == "refused"
    assert watcher.pending is None
    refusal = r.fleet.last_refusal
    assert refusal is not None and refusal["code"] == code, refusal
    assert words in refusal["reason"], refusal
    # The running terminal keeps its config, and a restarted one starts from the last good copy.
    assert r.terminal.config.services["tax_record"].title.zh == ORIGINAL_TITLE
    restarted = r.new_fleet()
    assert restarted.startup_layer() == r.good
    assert restarted.applied is not None and restarted.applied["version"] == 1
    assert load_config([r.good]).services["tax_record"].title.zh == ORIGINAL_TITLE
    assert restarted.status()["last_refusal"]["code"] == code  # what the heartbeat reports
    # No staging leftovers, and the queued transaction is still there.
    leftovers = [p.name for p in (r.state / "fleet" / "bundles").iterdir()]
    assert all(not name.startswith(".staging") for name in leftovers), leftovers
    assert r.terminal.outbox.counts()["queued"] == 1


# -- H3: what is in the directory, before anything is copied or hashed ---------------------------


def test_symlink_to_dev_zero_refused(running: Running) -> None:
    push_v2(running)
    (running.conf / "zero.toml").symlink_to("/dev/zero")
    assert_refused(running, "invalid", "zero.toml: is a symlink")


def test_symlinked_directory_refused(running: Running, tmp_path: Path) -> None:
    push_v2(running)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.toml").write_text("[timeouts]\ndefault_s = 61\n", encoding="utf-8")
    (running.conf / "extra").symlink_to(outside, target_is_directory=True)
    assert_refused(running, "invalid", "extra: is a symlink")


def test_fifo_refused_without_blocking(running: Running) -> None:
    push_v2(running)
    os.mkfifo(running.conf / "pipe.toml")
    assert_refused(running, "invalid", "pipe.toml: is a named pipe")


def test_fifo_swapped_in_after_the_walk_is_refused_by_fstat(tmp_path: Path) -> None:
    """The open itself refuses what is not a regular file (no TOCTOU between walk and read)."""
    from kiosk.config import bundle

    directory = tmp_path / "d"
    directory.mkdir()
    os.mkfifo(directory / "late.toml")
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with pytest.raises(BundleRefused) as info:
            bundle._read_file(fd, "late.toml", "late.toml", 1024)
    finally:
        os.close(fd)
    assert "named pipe" in info.value.reason


def test_300_mb_sparse_file_refused_without_reading_it(running: Running) -> None:
    push_v2(running)
    with open(running.conf / "big.toml", "wb") as fh:
        fh.truncate(300 * 1024 * 1024)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert_refused(running, "invalid", "big.toml: 314572800 bytes, over the cap")
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 50 * 1024, f"peak RSS grew by {grown_kib} KiB"


def test_too_many_files_refused(running: Running) -> None:
    push_v2(running)
    junk = running.conf / "services" / "junk"
    junk.mkdir()
    for i in range(Limits().max_files + 1):
        (junk / f"f{i:04d}.txt").write_text("x", encoding="utf-8")
    assert_refused(running, "invalid", "more than 1000 files")


def test_too_many_bytes_in_all_refused(running: Running) -> None:
    push_v2(running)
    for i in range(17):  # 17 x 2 MiB (sparse) > 32 MiB; each is under the per-file cap
        with open(running.conf / f"pad{i:02d}.txt", "wb") as fh:
            fh.truncate(2 * 1024 * 1024)
    assert_refused(running, "invalid", "bytes in all")


def test_unreadable_file_refused(running: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    """A root-owned 0600 temp file left by an operator tool (simulated: the tests run as root)."""
    from kiosk.config import bundle

    push_v2(running)
    (running.conf / "ansible-tmp.toml").write_text("", encoding="utf-8")
    real_open = os.open

    def deny(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if path == "ansible-tmp.toml":
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bundle.os, "open", deny)
    assert_refused(running, "invalid", "ansible-tmp.toml: cannot open: Permission denied")


def test_unexpected_os_error_is_a_refusal_not_a_crash(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.config import fleet as fleet_module

    push_v2(running)

    def full(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fleet_module, "_write_tree", full)
    watcher = ConfigWatcher(running.fleet, poll_s=0.01, settle_polls=0)
    assert watcher.poll_once() == "refused"
    refusal = running.fleet.last_refusal
    assert refusal is not None and "No space left on device" in refusal["reason"]
    assert running.terminal.outbox.counts()["queued"] == 1


# -- M1: audience, expiry, revocation, version step ---------------------------------------------


def test_lab_bundle_refused_in_production(running: Running) -> None:
    push_v2(running, audience="default/lab", version=1000)
    assert_refused(
        running, "audience", "signed for default/lab, this terminal is default/production"
    )


def test_expired_bundle_refused(running: Running) -> None:
    push_v2(running, issued_at=datetime.now(UTC) - timedelta(days=100), valid_days=90)
    assert_refused(running, "expired", "expired at")


def test_revoked_key_refused(running: Running) -> None:
    leaked_key, leaked_pub = make_key(running.tmp / "keys", "leaked")
    shutil.copy(leaked_pub, running.trust / "leaked.pub")
    kid = key_id(load_private_key(leaked_key).public_key())
    (running.trust / "revoked").write_text(f"# leaked 2026-11\n{kid}\n", encoding="utf-8")
    write_bundle(running.conf, running.state, RENAMED_TITLE)
    _sign(running.conf, leaked_key)
    assert_refused(running, "revoked", f"signed by {kid}, which is revoked")


def test_version_jump_refused(running: Running) -> None:
    push_v2(running, version=1000)
    assert_refused(running, "version_jump", "jumps more than 100")


# -- M2: the last good copy at start ------------------------------------------------------------


def test_edited_last_good_copy_refused_at_start(running: Running) -> None:
    evil = '[terminal]\nid = "EVIL-1"\n'
    (running.good / "10-terminal.toml").write_text(evil, encoding="utf-8")
    (running.conf / "10-terminal.toml").write_text(evil, encoding="utf-8")  # conf.d broken too
    restarted = running.new_fleet()
    assert restarted.startup_layer() is None  # the shipped defaults, never the edited copy
    refusal = restarted.last_refusal
    assert refusal is not None and refusal["code"] == "tampered"
    assert "last good copy" in refusal["reason"]
    assert running.terminal.config.terminal.id == "KIOSK-B2-07"  # the running terminal keeps it
    assert running.terminal.outbox.counts()["queued"] == 1


def test_last_good_path_outside_the_bundle_store_refused(running: Running, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(running.good, elsewhere)
    state_file = running.state / "fleet" / "state.json"
    record = json.loads(state_file.read_text(encoding="utf-8"))
    record["applied"]["path"] = str(elsewhere)
    state_file.write_text(json.dumps(record), encoding="utf-8")
    shutil.rmtree(running.conf)
    restarted = running.new_fleet()
    assert restarted.startup_layer() is None
    assert (
        restarted.last_refusal is not None
        and "not a kept bundle" in (restarted.last_refusal["reason"])
    )


def test_reset_rollback_record_does_not_allow_a_rollback(running: Running) -> None:
    """state.json is the kiosk user's: wiping its record leaves the signed kept copies."""
    push_v2(running)
    checked = running.fleet.check()
    running.fleet.commit(checked)
    old_v1 = running.tmp / "old-v1"
    shutil.copytree(running.good, old_v1)  # the attacker kept the signed version 1
    state_file = running.state / "fleet" / "state.json"
    record = json.loads(state_file.read_text(encoding="utf-8"))
    record["highest_version"] = 0
    record["applied"] = None
    state_file.write_text(json.dumps(record), encoding="utf-8")
    shutil.rmtree(running.conf)
    shutil.copytree(old_v1, running.conf)
    restarted = running.new_fleet()
    with pytest.raises(BundleRefused) as info:
        restarted.check()
    assert info.value.code == "rollback"
    # And the trust directory's floor (root-owned) holds even with no kept copy left.
    shutil.rmtree(running.state / "fleet" / "bundles")
    (running.state / "fleet" / "bundles").mkdir()
    (running.trust / "min_version").write_text("2\n", encoding="ascii")
    with pytest.raises(BundleRefused) as info:
        running.new_fleet().check()
    assert info.value.code == "rollback"


# -- H4, L14, M10: the profile and the terminal's own file ---------------------------------------


def _etc(tmp_path: Path, terminal_toml: str) -> Path:
    etc = tmp_path / "etc"
    (etc / "trust").mkdir(parents=True, exist_ok=True)
    (etc / "terminal.toml").write_text(terminal_toml, encoding="utf-8")
    return etc


def test_missing_profile_is_production_and_unsigned_conf_d_is_refused(tmp_path: Path) -> None:
    from kiosk.operations import load_startup_config

    etc = _etc(tmp_path, f'[terminal]\nstate_dir = "{tmp_path / "state"}"\n{REAL_DEVICES}')
    (etc / "conf.d").mkdir()
    (etc / "conf.d" / "50-evil.toml").write_text(
        '[maintenance]\nreboot_command = ["/bin/sh", "-c", "id"]\n[metrics]\nhost = "0.0.0.0"\n',
        encoding="utf-8",
    )
    config, fleet = load_startup_config(etc)
    assert config.terminal.profile == "production" and not config.development
    assert config.metrics.host == "127.0.0.1"
    assert config.maintenance.reboot_command != ("/bin/sh", "-c", "id")
    assert fleet.last_refusal is not None and fleet.last_refusal["code"] == "unsigned"
    assert fleet.applied is None


def test_production_refuses_simulated_devices(tmp_path: Path) -> None:
    from kiosk.operations import load_startup_config

    etc = _etc(tmp_path, f'[terminal]\nstate_dir = "{tmp_path / "state"}"\n')
    with pytest.raises(ConfigError) as info:
        load_startup_config(etc)
    assert "devices.idcard.backend: the simulator is refused in production" in str(info.value)
    # The explicit switch allows them.
    config, _fleet = load_startup_config(etc, development=True)
    assert config.development


def test_run_sim_needs_the_development_switch(capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.cli import main

    assert main(["run", "--sim"]) == 2
    assert "--sim and --config-dir need the development profile" in capsys.readouterr().err


def test_terminal_toml_may_not_set_security_keys(tmp_path: Path) -> None:
    from kiosk.operations import load_startup_config

    etc = _etc(
        tmp_path,
        f'[terminal]\nid = "KIOSK-3F-12"\nstate_dir = "{tmp_path / "state"}"\n{REAL_DEVICES}'
        '[intake]\nurl = "https://evil.example/"\n[fleet]\nstage = "production"\n'
        'trust_dir = "/tmp/mine"\n',
    )
    with pytest.raises(ConfigError) as info:
        load_startup_config(etc)
    text = str(info.value)
    assert f"{etc / 'terminal.toml'}: intake.url: not allowed in the terminal's own file" in text
    assert f"{etc / 'terminal.toml'}: fleet.trust_dir: not allowed" in text
    assert sorted(p.key for p in info.value.problems) == ["fleet.trust_dir", "intake.url"]


def test_unsigned_holiday_file_ignored_in_production(running: Running, tmp_path: Path) -> None:
    etc = _etc(tmp_path, '[terminal]\nid = "KIOSK-3F-12"\n')
    (etc / "holidays").mkdir()
    (etc / "holidays" / "2026-extra.toml").write_text(
        'year = 2026\n[[holidays]]\nname = { zh = "假", en = "Fake" }\ndays = [2026-12-03]\n',
        encoding="utf-8",
    )
    config = load_config([running.good, etc / "terminal.toml"])
    production = load_calendar(calendar_layers(config.sources))
    assert production.is_working_day(datetime(2026, 12, 3).date())  # the unsigned file is ignored
    assert not production.is_working_day(datetime(2026, 12, 1).date())  # the signed bundle's counts
    development = load_calendar(calendar_layers(config.sources, development=True))
    assert not development.is_working_day(datetime(2026, 12, 3).date())
    assert running.terminal.outbox.counts()["queued"] == 1


# -- validate reads the holiday files the terminal reads ----------------------------------------


def test_validate_catches_bad_holiday_toml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.cli import main

    conf = write_bundle(tmp_path / "conf.d", tmp_path / "state")
    bad = conf / "holidays" / "2027.toml"
    bad.write_text("year = 2027\n[[holidays]\n", encoding="utf-8")
    assert main(["config", "validate", str(conf)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "cannot read" in err
    bad.unlink()
    assert main(["config", "validate", str(conf)]) == 0


def test_read_tree_skips_dotfiles_and_reads_plain_files(tmp_path: Path) -> None:
    d = tmp_path / "d"
    (d / "services").mkdir(parents=True)
    (d / "a.toml").write_bytes(b"a")
    (d / "services" / "b.toml").write_bytes(b"b")
    (d / ".rsync-tmp").write_bytes(b"x")
    (d / ".~tmp~").mkdir()
    (d / ".~tmp~" / "zero").symlink_to("/dev/zero")  # never looked at
    assert read_tree(d) == {"a.toml": b"a", "services/b.toml": b"b"}


def test_sign_and_verify_commands_carry_audience_and_expiry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.cli import main

    key, pub = make_key(tmp_path / "keys", "op")
    conf = write_bundle(tmp_path / "conf.d", tmp_path / "state")
    args = ["config", "sign", "--key", str(key), "--audience", "district-a/lab", str(conf)]
    assert main([*args, "--valid-days", "30"]) == 0
    manifest = json.loads((conf / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["audience"] == "district-a/lab"
    issued = datetime.fromisoformat(manifest["issued_at"].replace("Z", "+00:00"))
    expires = datetime.fromisoformat(manifest["expires_at"].replace("Z", "+00:00"))
    assert expires - issued == timedelta(days=30)
    verify = ["config", "verify", "--trust", str(pub), str(conf)]
    assert main([*verify[:-1], "--audience", "district-a/production", str(conf)]) == 2
    assert "REFUSED (audience)" in capsys.readouterr().err
    assert main([*verify[:-1], "--audience", "district-a/lab", str(conf)]) == 0


def test_validate_applies_the_terminal_file_whitelist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.cli import main

    own = tmp_path / "terminal.toml"
    own.write_text('[terminal]\nid = "KIOSK-3F-12"\n', encoding="utf-8")
    assert main(["config", "validate", str(own)]) == 0
    own.write_text(
        '[terminal]\nid = "KIOSK-3F-12"\n[metrics]\nhost = "0.0.0.0"\n', encoding="utf-8"
    )
    assert main(["config", "validate", str(own)]) == 2
    assert f"{own}: metrics.host: not allowed" in capsys.readouterr().err


def test_staging_left_by_a_killed_check_is_removed(running: Running) -> None:
    stale = running.state / "fleet" / "bundles" / ".staging-1-2-3"
    stale.mkdir()
    (stale / "10-terminal.toml").write_text("x", encoding="utf-8")
    running.new_fleet()
    assert not stale.exists()
