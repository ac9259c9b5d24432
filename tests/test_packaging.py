"""`pip install .` gives a working app: shipped config, QML and translations are package data."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_carries_config_qml_and_translations(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("kiosk-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "kiosk/defaults/kiosk.toml" in names
    assert len([n for n in names if n.startswith("kiosk/defaults/services/")]) >= 8
    assert "ui/qml/Main.qml" in names
    assert {"ui/i18n/kiosk_zh_CN.qm", "ui/i18n/kiosk_en.qm"} <= names
    assert not [n for n in names if n.startswith("tests/")]

    # Installed on its own (no checkout on the path), the app loads its config and finds its QML.
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    probe = (
        "import kiosk, ui.app, pathlib\n"
        "from kiosk.config import load_config\n"
        "c = load_config([])\n"
        "assert str(target) in kiosk.__file__, kiosk.__file__\n"
        "assert (pathlib.Path(ui.app.__file__).parent / 'qml' / 'Main.qml').is_file()\n"
        "print(len(c.services))\n"
    ).replace("str(target)", repr(str(target)))
    env = dict(os.environ, PYTHONPATH=str(target))
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 8
