"""No core dumps (security audit M7) and the unit's egress restriction (M4, L10)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "packaging" / "systemd" / "kiosk.service"


def test_no_core_dumps_in_a_fresh_process() -> None:
    code = (
        "import faulthandler, resource, sys\n"
        "from kiosk.hardening import is_dumpable, no_core_dumps\n"
        "assert is_dumpable()\n"
        "assert no_core_dumps()\n"
        "assert resource.getrlimit(resource.RLIMIT_CORE) == (0, 0)\n"
        "assert not is_dumpable() and faulthandler.is_enabled()\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_a_crash_leaves_stacks_not_a_core(tmp_path: Path) -> None:
    code = (
        "import ctypes\n"
        "from kiosk.hardening import no_core_dumps\n"
        "no_core_dumps()\n"
        "secret = 'CITIZEN-110105194912310021'\n"
        "ctypes.string_at(0)\n"  # SIGSEGV
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert out.returncode < 0  # killed by the signal
    assert "Fatal Python error" in out.stderr and "File " in out.stderr  # a stack
    assert "CITIZEN" not in out.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("core")]


def test_the_ui_entry_point_disables_core_dumps_first() -> None:
    tree = ast.parse((ROOT / "ui" / "app.py").read_text(encoding="utf-8"))
    run_app = next(
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "run_app"
    )
    calls = [
        n.func.id
        for n in ast.walk(run_app)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    ]
    assert calls.index("no_core_dumps") < calls.index("prepare_environment")


def test_the_unit_has_no_core_and_no_egress_but_loopback() -> None:
    svc: dict[str, str] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            svc[key.strip()] = value.strip()
    assert svc["LimitCORE"] == "0"
    assert svc["IPAddressDeny"] == "any"
    assert svc["IPAddressAllow"].split() == ["localhost"]
    doc = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
    assert "IPAddressAllow=" in doc and "apport" in doc
