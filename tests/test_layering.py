"""The layering of ARCHITECTURE.md, checked by import-linter and by a direct scan."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Every contract pyproject.toml declares was checked, none broken (no literal count).
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    count = len(declared["tool"]["importlinter"]["contracts"])
    assert f"{count} kept, 0 broken" in result.stdout, result.stdout


def test_no_dynamic_imports_hide_modules_from_the_layering_check() -> None:
    # importlib.import_module / __import__ in kiosk/ would load Qt or the UI unseen by
    # import-linter; the device registry in drivers/ loads backends by name on purpose.
    offenders = []
    for path in (ROOT / "kiosk").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("import_module", "__import__"):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


def imported_roots(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    """Every top-level module each file of `package` imports, at any depth of the file."""
    found: dict[str, set[str]] = {}
    for path in (root / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        roots: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots.add(node.module.split(".")[0])
        found[str(path.relative_to(root))] = roots
    return found


def test_core_has_no_qt() -> None:
    for path, roots in imported_roots("kiosk").items():
        assert "PySide6" not in roots, path
        # `kiosk run` and the rig's bench load the UI lazily (named in the import-linter contract)
        if path not in ("kiosk/cli.py", "devtools/rig/bench.py"):
            assert "ui" not in roots, path


def test_libraries_import_nothing_of_the_project() -> None:
    for package, forbidden in (
        ("drivers", {"kiosk", "ui", "offline_cache"}),
        ("offline_cache", {"kiosk", "ui", "drivers"}),
    ):
        for path, roots in imported_roots(package).items():
            assert not roots & forbidden, (path, roots & forbidden)


def test_ui_never_touches_devices_or_database() -> None:
    for path, roots in imported_roots("ui").items():
        assert not roots & {"drivers", "offline_cache", "sqlite3", "sqlite_utils"}, path


def test_scan_catches_a_violation(tmp_path: Path) -> None:
    """The scanner itself works: a Qt import inside a function is found."""
    (tmp_path / "kiosk").mkdir()
    (tmp_path / "kiosk" / "probe.py").write_text(
        "def f():\n    from PySide6 import QtCore\n", encoding="utf-8"
    )
    assert "PySide6" in imported_roots("kiosk", tmp_path)["kiosk/probe.py"]
