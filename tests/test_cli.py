"""The `kiosk` command line: exit codes and messages for operators, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import __version__
from kiosk.cli import build_parser, main

from .conftest import write_overlay


def test_console_script_version() -> None:
    kiosk = Path(sys.executable).with_name("kiosk")
    result = subprocess.run([str(kiosk), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.strip() == f"kiosk {__version__}"


@pytest.mark.parametrize(
    "argv", [["--help"], ["run", "--help"], ["config", "--help"], ["config", "validate", "--help"]]
)
def test_help_everywhere(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    assert "usage: kiosk" in capsys.readouterr().out


def test_validate_good_overlay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    overlay = write_overlay(tmp_path / "conf.d", '[terminal]\nid = "TH-HALL-007"\n')
    assert main(["config", "validate", str(overlay)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: terminal TH-HALL-007")


def test_validate_bad_overlay_names_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overlay = write_overlay(
        tmp_path / "conf.d", '[devices.receipt]\nbackend = "sim"\ncolour = "red"\n', "20-dev.toml"
    )
    assert main(["config", "validate", str(overlay)]) == 2
    err = capsys.readouterr().err
    assert "20-dev.toml" in err and "devices.receipt.colour" in err
    assert "Traceback" not in err


def test_validate_missing_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "validate", str(tmp_path / "nope")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_run_refuses_broken_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    overlay = write_overlay(tmp_path / "conf.d", "[terminal\nid = 1\n")
    assert main(["run", "--sim", "--config-dir", str(overlay)]) == 2
    err = capsys.readouterr().err
    assert "50-test.toml" in err and "Traceback" not in err


def test_every_command_is_documented() -> None:
    """Each subcommand and option appears in the docs (sqlite-utils' test_docs idea)."""
    root = Path(__file__).resolve().parents[1]
    docs = (root / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in (root / "docs").glob("*.md")
    )
    parser = build_parser()
    missing = []
    sub_actions = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    for action in sub_actions:
        for name, sub in action.choices.items():  # type: ignore[attr-defined]
            if f"kiosk {name}" not in docs:
                missing.append(f"kiosk {name}")
            for opt in sub._actions:
                for flag in opt.option_strings:
                    if flag.startswith("--") and flag != "--help" and flag not in docs:
                        missing.append(f"kiosk {name} {flag}")
    assert not missing, f"undocumented: {missing}"
