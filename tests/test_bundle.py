"""Signed config bundles: every refusal path, the CLI, the last good config, apply at idle."""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.compose import build_terminal
from kiosk.config import KioskConfig, load_config
from kiosk.config.bundle import (
    BundleRefused,
    generate_keypair,
    load_private_key,
    load_trust,
    sign_bundle,
    verify_bundle,
)
from kiosk.config.fleet import ConfigWatcher, FleetConfig, IdleApplier
from kiosk.terminal import Terminal

from .conftest import FakeClock

RENAMED_TITLE = 'title = { zh = "个税纳税记录（新）", en = "Income Tax Record (new)" }'


def make_key(directory: Path, name: str) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    private, public = generate_keypair()
    (directory / f"{name}.key").write_bytes(private)
    (directory / f"{name}.pub").write_bytes(public)
    return directory / f"{name}.key", directory / f"{name}.pub"


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    """An operator key (trusted) and a stranger's key (not trusted)."""
    op_key, op_pub = make_key(tmp_path / "keys", "operator")
    other_key, _ = make_key(tmp_path / "keys", "stranger")
    trust = tmp_path / "trust"
    trust.mkdir()
    shutil.copy(op_pub, trust / "operator.pub")
    return {"operator": op_key, "stranger": other_key, "trust": trust}


def write_bundle(directory: Path, state_dir: Path, title_line: str | None = None) -> Path:
    """A fleet directory: terminal settings, one service override, a local holiday file."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "10-terminal.toml").write_text(
        f'[terminal]\nid = "KIOSK-B2-07"\nstate_dir = "{state_dir}"\n', encoding="utf-8"
    )
    svc = (Path(__file__).resolve().parents[1] / "config/services/tax_record.toml").read_text(
        encoding="utf-8"
    )
    if title_line is not None:
        svc = "\n".join(title_line if ln.startswith("title =") else ln for ln in svc.splitlines())
    (directory / "services").mkdir(exist_ok=True)
    (directory / "services" / "tax_record.toml").write_text(svc, encoding="utf-8")
    (directory / "holidays").mkdir(exist_ok=True)
    (directory / "holidays" / "2026-local.toml").write_text(
        'year = 2026\n[[holidays]]\nname = { zh = "区庆", en = "District day" }\n'
        "days = [2026-12-01]\n",
        encoding="utf-8",
    )
    return directory


def sign(directory: Path, key: Path, version: int | None = None) -> None:
    sign_bundle(directory, load_private_key(key), version=version)


# -- verify_bundle: the refusal paths -----------------------------------------------------------


def test_signed_bundle_verifies(tmp_path: Path, keys: dict[str, Path]) -> None:
    bundle = write_bundle(tmp_path / "b", tmp_path / "state")
    sign(bundle, keys["operator"])
    manifest = verify_bundle(bundle, load_trust(keys["trust"]))
    assert manifest.version == 1
    assert set(manifest.files) == {
        "10-terminal.toml",
        "services/tax_record.toml",
        "holidays/2026-local.toml",
    }
    assert manifest.key_id in load_trust(keys["trust"])
    assert manifest.issued_at.endswith("Z")


def refusal(directory: Path, trust: Path, **kw: int | str | None) -> BundleRefused:
    with pytest.raises(BundleRefused) as info:
        verify_bundle(directory, load_trust(trust), **kw)  # type: ignore[arg-type]
    return info.value


def test_unsigned_refused(tmp_path: Path, keys: dict[str, Path]) -> None:
    bundle = write_bundle(tmp_path / "b", tmp_path / "state")
    assert refusal(bundle, keys["trust"]).code == "unsigned"
    sign(bundle, keys["operator"])
    (bundle / "manifest.sig").unlink()
    assert refusal(bundle, keys["trust"]).code == "unsigned"


def test_wrong_key_refused(tmp_path: Path, keys: dict[str, Path]) -> None:
    bundle = write_bundle(tmp_path / "b", tmp_path / "state")
    sign(bundle, keys["stranger"])
    refused = refusal(bundle, keys["trust"])
    assert refused.code == "untrusted_key"
    assert "not trusted" in refused.reason


def test_no_trust_refuses_everything(tmp_path: Path, keys: dict[str, Path]) -> None:
    bundle = write_bundle(tmp_path / "b", tmp_path / "state")
    sign(bundle, keys["operator"])
    empty = tmp_path / "empty-trust"
    empty.mkdir()
    assert refusal(bundle, empty).code == "untrusted_key"


@pytest.mark.parametrize("how", ["changed", "added", "removed", "dotfile_ignored"])
def test_tampered_file_refused(tmp_path: Path, keys: dict[str, Path], how: str) -> None:
    bundle = write_bundle(tmp_path / "b", tmp_path / "state")
    sign(bundle, keys["operator"])
    target = bundle / "services" / "tax_record.toml"
    if how == "changed":
        target.write_text(target.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    elif how == "added":
        (bundle / "99-extra.toml").write_text("[ui]\nlanguage = 'en'\n", encoding="utf-8")
    elif how == "removed":
        target.unlink()
    else:
        (bundle / ".swp").write_text("editor scratch", encoding="utf-8")
        verify_bundle(bundle, load_trust(keys["trust"]))  # ignored like the loader ignores it
        return
    refused = refusal(bundle, keys["trust"])
    assert refused.code == "tampered"
    assert {"changed": "changed:", "added": "not signed:", "removed": "missing:"}[how] in (
        refused.reason
    )


def test_tampered_manifest_refused(tmp_path: Path, keys: dict[str, Path]) -> None:
    bundle = write_bundle(tmp_path / "b", tmp_path / "state")
    sign(bundle, keys["operator"])
    data = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    data["version"] = 99
    (bundle / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    assert refusal(bundle, keys["trust"]).code == "bad_signature"
    (bundle / "manifest.json").write_text("{not json", encoding="utf-8")
    assert refusal(bundle, keys["trust"]).code == "invalid"


def test_rollback_refused(tmp_path: Path, keys: dict[str, Path]) -> None:
    bundle = write_bundle(tmp_path / "b", tmp_path / "state")
    sign(bundle, keys["operator"], version=4)
    assert refusal(bundle, keys["trust"], applied_version=5).code == "rollback"
    manifest = verify_bundle(bundle, load_trust(keys["trust"]), applied_version=4)
    # Same version as applied: fine if it is the same bundle, a rollback if content differs.
    verify_bundle(
        bundle, load_trust(keys["trust"]), applied_version=4, applied_digest=manifest.digest
    )
    refused = refusal(bundle, keys["trust"], applied_version=4, applied_digest="0" * 64)
    assert refused.code == "rollback"


# -- FleetConfig: schema, profile, last good ----------------------------------------------------


def fleet_for(tmp_path: Path, conf: Path, trust: Path, profile: str = "production") -> FleetConfig:
    return FleetConfig(tmp_path / "state", conf, trust=trust, profile=profile)


def test_schema_error_refused_and_recorded(tmp_path: Path, keys: dict[str, Path]) -> None:
    conf = write_bundle(tmp_path / "conf.d", tmp_path / "state")
    (conf / "20-timeouts.toml").write_text("[timeouts]\ndefault_s = 'sixty'\n", encoding="utf-8")
    sign(conf, keys["operator"])
    fleet = fleet_for(tmp_path, conf, keys["trust"])
    with pytest.raises(BundleRefused) as info:
        fleet.check()
    assert info.value.code == "schema"
    assert "20-timeouts.toml: timeouts.default_s" in info.value.reason
    assert str(conf) in info.value.reason  # names the operator's file, not the staged copy
    assert fleet.last_refusal is not None and fleet.last_refusal["code"] == "schema"
    # A restarted terminal still knows why the push was refused.
    assert fleet_for(tmp_path, conf, keys["trust"]).last_refusal == fleet.last_refusal


def test_bad_holiday_file_is_a_schema_error(tmp_path: Path, keys: dict[str, Path]) -> None:
    conf = write_bundle(tmp_path / "conf.d", tmp_path / "state")
    (conf / "holidays" / "2026-local.toml").write_text(
        'year = 2026\n[[holidays]]\nname = { zh = "x" }\nmakeup_days = [2026-12-02]\n',
        encoding="utf-8",
    )
    sign(conf, keys["operator"])
    with pytest.raises(BundleRefused) as info:
        fleet_for(tmp_path, conf, keys["trust"]).check()
    assert info.value.code == "schema"
    assert "2026-12-02 is a weekday" in info.value.reason


def test_unsigned_accepted_only_in_development(tmp_path: Path, keys: dict[str, Path]) -> None:
    conf = write_bundle(tmp_path / "conf.d", tmp_path / "state")
    with pytest.raises(BundleRefused):
        fleet_for(tmp_path, conf, keys["trust"], "production").check()
    candidate = fleet_for(tmp_path, conf, keys["trust"], "development").check()
    assert candidate.warnings == ("unsigned bundle accepted (development profile)",)
    assert not candidate.manifest.signed
    assert candidate.config.terminal.id == "KIOSK-B2-07"


def test_last_good_survives_refusal_and_restart(tmp_path: Path, keys: dict[str, Path]) -> None:
    conf = write_bundle(tmp_path / "conf.d", tmp_path / "state")
    sign(conf, keys["operator"])
    fleet = fleet_for(tmp_path, conf, keys["trust"])
    good = fleet.startup_layer()
    assert good is not None and fleet.applied is not None and fleet.applied["version"] == 1
    # A broken push: tampered after signing.
    (conf / "10-terminal.toml").write_text('[terminal]\nid = "EVIL-1"\n', encoding="utf-8")
    restarted = fleet_for(tmp_path, conf, keys["trust"])
    assert restarted.startup_layer() == good
    assert restarted.last_refusal is not None and restarted.last_refusal["code"] == "tampered"
    assert load_config([good]).terminal.id == "KIOSK-B2-07"
    # An older signed version is a rollback, even after a restart.
    shutil.rmtree(conf)
    write_bundle(conf, tmp_path / "state")
    sign(conf, keys["operator"], version=1)
    (conf / "10-terminal.toml").write_text(
        f'[terminal]\nid = "KIOSK-B2-08"\nstate_dir = "{tmp_path / "state"}"\n', encoding="utf-8"
    )
    sign(conf, keys["operator"], version=1)
    with pytest.raises(BundleRefused) as info:
        restarted.check()
    assert info.value.code == "rollback"


# -- watcher + apply at idle --------------------------------------------------------------------


@pytest.fixture
def fleet_terminal(
    tmp_path: Path, keys: dict[str, Path], clock: FakeClock
) -> tuple[Terminal, FleetConfig, Path]:
    conf = write_bundle(tmp_path / "conf.d", tmp_path / "state")
    sign(conf, keys["operator"])
    fleet = fleet_for(tmp_path, conf, keys["trust"])
    layer = fleet.startup_layer()
    assert layer is not None
    config: KioskConfig = load_config([layer])
    term = build_terminal(config, sim=True, state_dir=tmp_path / "state", clock=clock)
    term.start()
    yield term, fleet, conf
    term.stop()


def test_renamed_service_applies_at_idle_not_mid_session(
    fleet_terminal: tuple[Terminal, FleetConfig, Path],
    keys: dict[str, Path],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    term, fleet, conf = fleet_terminal
    watcher = ConfigWatcher(fleet, poll_s=0.02)
    watcher.mark_current()
    applier = IdleApplier(watcher, term)
    term.add_tick_hook(applier)

    def titles() -> dict[str, str]:
        return {s["id"]: s["title"] for s in term.view.data["services"]}

    term.intent("start")
    assert titles()["tax_record"] == "个人所得税纳税记录开具"
    term.intent("choose_service", {"service_id": "hotline_consult"})
    assert term.flow.session_active
    # The operator pushes version 2, renaming the service, while a citizen is mid-session.
    write_bundle(conf, tmp_path / "state", RENAMED_TITLE)
    sign(conf, keys["operator"])
    watcher.start()
    try:
        deadline = time.monotonic() + 10
        while watcher.pending is None:
            assert time.monotonic() < deadline, "watcher did not pick up the bundle"
            time.sleep(0.02)
    finally:
        watcher.stop()
    with caplog.at_level(logging.INFO, logger="kiosk.config.fleet"):
        for _ in range(3):
            term.tick()
    assert "waits for the session to end" in caplog.text
    assert watcher.pending is not None
    assert term.config.services["tax_record"].title.zh == "个人所得税纳税记录开具"
    assert fleet.applied is not None and fleet.applied["version"] == 1
    # Citizen finishes (cancel); at the next tick the bundle applies.
    term.intent("cancel")
    assert not term.flow.session_active
    term.tick()
    assert watcher.pending is None
    assert fleet.applied is not None and fleet.applied["version"] == 2
    assert applier.restart_needed == []
    term.intent("start")
    assert titles()["tax_record"] == "个税纳税记录（新）"


def test_refused_push_keeps_running_config(
    fleet_terminal: tuple[Terminal, FleetConfig, Path], keys: dict[str, Path], tmp_path: Path
) -> None:
    term, fleet, conf = fleet_terminal
    watcher = ConfigWatcher(fleet, poll_s=0.01, settle_polls=0)
    watcher.mark_current()
    write_bundle(conf, tmp_path / "state", RENAMED_TITLE)
    sign(conf, keys["stranger"])
    assert watcher.poll_once() == "refused"
    assert watcher.pending is None
    assert fleet.last_refusal is not None and fleet.last_refusal["code"] == "untrusted_key"
    assert fleet.status()["version"] == 1
    assert term.config.services["tax_record"].title.zh == "个人所得税纳税记录开具"
    assert watcher.poll_once() == "unchanged"  # refused once, not re-checked every poll


def test_watcher_waits_for_the_push_to_settle(
    fleet_terminal: tuple[Terminal, FleetConfig, Path], keys: dict[str, Path], tmp_path: Path
) -> None:
    _term, fleet, conf = fleet_terminal
    watcher = ConfigWatcher(fleet, poll_s=0.01, settle_polls=1)
    watcher.mark_current()
    write_bundle(conf, tmp_path / "state", RENAMED_TITLE)
    sign(conf, keys["operator"])
    assert watcher.poll_once() is None  # changed since the last poll: wait one more
    assert watcher.poll_once() == "pending"


def test_device_change_needs_restart(
    fleet_terminal: tuple[Terminal, FleetConfig, Path], keys: dict[str, Path], tmp_path: Path
) -> None:
    term, fleet, conf = fleet_terminal
    watcher = ConfigWatcher(fleet, settle_polls=0)
    watcher.mark_current()
    (conf / "30-devices.toml").write_text("[devices.receipt]\nenabled = false\n", encoding="utf-8")
    sign(conf, keys["operator"])
    assert watcher.poll_once() == "pending"
    applier = IdleApplier(watcher, term)
    assert applier() is True
    assert applier.restart_needed == ["devices"]


# -- CLI ----------------------------------------------------------------------------------------


def test_cli_keygen_sign_verify_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prefix = tmp_path / "ops"
    assert main(["config", "keygen", "--out", str(prefix)]) == 0
    assert (prefix.with_suffix(".key").stat().st_mode & 0o777) == 0o600
    assert main(["config", "keygen", "--out", str(prefix)]) == 2  # never overwrites a key
    old = write_bundle(tmp_path / "old", tmp_path / "state")
    assert main(["config", "sign", "--key", str(prefix) + ".key", str(old)]) == 0
    assert "version 1, 3 files" in capsys.readouterr().out
    trust = str(prefix) + ".pub"
    assert main(["config", "verify", "--trust", trust, str(old)]) == 0
    assert capsys.readouterr().out.startswith("OK: version 1")

    new = tmp_path / "new"
    shutil.copytree(old, new)
    write_bundle(new, tmp_path / "state", RENAMED_TITLE)
    assert main(["config", "sign", "--key", str(prefix) + ".key", str(new)]) == 0
    assert "version 2" in capsys.readouterr().out
    assert main(["config", "diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "version: 1 -> 2" in out
    assert "~ services/tax_record.toml" in out
    assert '~ title.zh: "个人所得税纳税记录开具" -> "个税纳税记录（新）"' in out

    assert main(["config", "verify", "--trust", trust, "--applied-version", "3", str(new)]) == 2
    assert "REFUSED (rollback)" in capsys.readouterr().err
    (new / "services" / "tax_record.toml").write_text("x = 1\n", encoding="utf-8")
    assert main(["config", "verify", "--trust", trust, str(new)]) == 2
    err = capsys.readouterr().err
    assert "REFUSED (tampered)" in err and "Traceback" not in err


def test_cli_verify_schema_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prefix = tmp_path / "ops"
    assert main(["config", "keygen", "--out", str(prefix)]) == 0
    bundle = write_bundle(tmp_path / "b", tmp_path / "state")
    (bundle / "20-ui.toml").write_text("[ui]\ncolour = 'red'\n", encoding="utf-8")
    assert main(["config", "sign", "--key", str(prefix) + ".key", str(bundle)]) == 0
    assert main(["config", "verify", "--trust", str(prefix) + ".pub", str(bundle)]) == 2
    err = capsys.readouterr().err
    assert "REFUSED (schema)" in err and "20-ui.toml: ui.colour: unknown key" in err


def test_cli_diff_hides_pin_hashes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for d, h in (
        (a, "scrypt$n=16384,r=8,p=1,d=8$c2FsdA==$AAAA"),
        (b, "scrypt$n=16384,r=8,p=1,d=8$c2FsdA==$BBBB"),
    ):
        d.mkdir()
        (d / "40-maintenance.toml").write_text(
            f'[[maintenance.pins]]\nid = "tech01"\nhash = "{h}"\n', encoding="utf-8"
        )
    assert main(["config", "diff", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "maintenance.pins[0].hash: (changed)" in out and "AAAA" not in out


def test_operations_start_watch_apply_and_export(
    tmp_path: Path, keys: dict[str, Path], clock: FakeClock
) -> None:
    """The production wiring: start from the checked fleet dir, watch it, apply a new bundle at
    idle, and export the new version on the metrics endpoint."""
    import requests

    from kiosk.operations import Operations, load_startup_config

    etc = tmp_path / "etc"
    conf = write_bundle(etc / "conf.d", tmp_path / "state")
    # Operational keys come from the signed bundle; terminal.toml holds identity and devices.
    (conf / "30-ops.toml").write_text("[fleet]\npoll_s = 1\n[metrics]\nport = 0\n")
    sign(conf, keys["operator"])
    shutil.copytree(keys["trust"], etc / "trust")
    (etc / "terminal.toml").write_text(
        f"""
[terminal]
profile = "production"
state_dir = "{tmp_path / "state"}"
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
""",
        encoding="utf-8",
    )
    config, fleet = load_startup_config(etc)
    assert config.terminal.id == "KIOSK-B2-07" and fleet.applied is not None
    term = build_terminal(config, sim=True, state_dir=tmp_path / "state", clock=clock)
    term.start()
    ops = Operations(term, fleet=fleet)
    ops.start()
    try:
        assert ops.metrics_server is not None
        url = f"http://127.0.0.1:{ops.metrics_server.port}/metrics"
        assert "kiosk_config_version 1.0" in requests.get(url, timeout=5).text
        write_bundle(conf, tmp_path / "state", RENAMED_TITLE)
        sign(conf, keys["operator"])
        deadline = time.monotonic() + 15
        while ops.config_status()["pending_version"] != 2:
            assert time.monotonic() < deadline, "the watcher did not check the new bundle"
            time.sleep(0.05)
        term.tick()
        assert term.config.services["tax_record"].title.zh == "个税纳税记录（新）"
        text = requests.get(url, timeout=5).text
        assert "kiosk_config_version 2.0" in text
        assert ops.health.snapshot()["config"]["version"] == 2
    finally:
        ops.stop()
        term.stop()


def test_fresh_terminal_without_fleet_dir(tmp_path: Path, keys: dict[str, Path]) -> None:
    fleet = fleet_for(tmp_path, tmp_path / "no-such-conf.d", keys["trust"])
    assert fleet.startup_layer() is None
    assert fleet.last_refusal is None  # nothing was pushed: nothing was refused
