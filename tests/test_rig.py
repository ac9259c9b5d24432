"""The rig: scenarios run on the real UI (offscreen) over simulators and a real intake server."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from devtools.rig.burnin import Limits, Outcome, Sample, judge, soak
from devtools.rig.generate import generate
from devtools.rig.report import junit_xml, write_json
from devtools.rig.runner import run_scenarios
from devtools.rig.scenario import ScenarioError, load_scenario, parse_scenario
from kiosk.config import load_config

from .qt_support import QT_MARKS

pytestmark = QT_MARKS
SCENARIOS = Path(__file__).resolve().parents[1] / "devtools" / "rig" / "scenarios"
KIOSK_DEV = [sys.executable, "-m", "devtools"]  # the kiosk-dev console script


def run(tmp_path: Path, *paths: Path) -> list[Any]:
    return run_scenarios(
        [load_scenario(p) for p in paths],
        work_dir=tmp_path / "work",
        artifacts=tmp_path / "files",
        sim=True,
    )


def test_a_service_journey_passes_with_previews_and_intake(qapp: Any, tmp_path: Path) -> None:
    results = run(tmp_path, SCENARIOS / "services" / "enterprise_opening.toml")
    (result,) = results
    assert result.status == "passed", result.error
    kinds = [s.kind for s in result.steps]
    assert {"service", "card", "face", "type", "choose", "delivery", "rate"} <= set(kinds)
    assert {"expect_receipt", "expect_intake"} <= set(kinds)
    assert all(s.status == "passed" and s.started_at.endswith("+00:00") for s in result.steps)
    offsets = [s.offset_s for s in result.steps]
    assert offsets == sorted(offsets)
    (preview,) = result.previews
    assert preview["kind"] == "receipt"
    assert Path(preview["png"]).read_bytes().startswith(b"\x89PNG")
    write_json(tmp_path / "report.json", results)
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["summary"] == {"total": 1, "passed": 1, "failed": 0, "skipped": 0, "error": 0}
    # No personal data in the report: the card's name and ID number never appear.
    text = (tmp_path / "report.json").read_text(encoding="utf-8")
    assert "测试样例" not in text


def test_a_licence_is_printed_and_previewed(qapp: Any, tmp_path: Path) -> None:
    (result,) = run(tmp_path, SCENARIOS / "services" / "e_licence_print.toml")
    assert result.status == "passed", result.error
    assert [p["kind"] for p in result.previews] == ["licence"]
    assert Path(result.previews[0]["png"]).stat().st_size > 1000


def test_a_failing_step_saves_a_screenshot_and_fails_junit(qapp: Any, tmp_path: Path) -> None:
    bad = tmp_path / "wrong_screen.toml"
    bad.write_text(
        'name = "expects the wrong screen"\n'
        '[[step]]\ntap = "startButton"\n'
        '[[step]]\nexpect_screen = "review"\ntimeout = 0.5\n'
        '[[step]]\ntap = "cancelButton"\n',
        encoding="utf-8",
    )
    results = run(tmp_path, bad)
    (result,) = results
    assert result.status == "failed"
    assert "step 2" in result.error and "choose_service" in result.error
    failed = result.steps[1]
    assert failed.status == "failed" and failed.screenshot
    assert Path(failed.screenshot).read_bytes().startswith(b"\x89PNG")
    assert result.steps[2].status == "skipped"
    root = ET.fromstring(junit_xml(results))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "1" and suite.get("failures") == "1"
    case = suite.find("testcase")
    assert case is not None and case.get("name") == "wrong_screen"
    failure = case.find("failure")
    assert failure is not None and "step 2" in (failure.get("message") or "")


# Every shipped scenario runs in ./run test (about a minute): one journey per catalogue service
# through the real UI, and the service x fault matrix.
@pytest.mark.parametrize("name", sorted(p.stem for p in (SCENARIOS / "faults").glob("*.toml")))
def test_fault_scenarios(qapp: Any, tmp_path: Path, name: str) -> None:
    (result,) = run(tmp_path, SCENARIOS / "faults" / f"{name}.toml")
    assert result.status == "passed", result.error
    # The fault comes as a fault word, or as a bad card or a stranger's face.
    assert {"fault", "card", "face"} & {s.kind for s in result.steps}


@pytest.mark.parametrize("name", sorted(p.stem for p in (SCENARIOS / "services").glob("*.toml")))
def test_service_journey_through_the_ui(qapp: Any, tmp_path: Path, name: str) -> None:
    (result,) = run(tmp_path, SCENARIOS / "services" / f"{name}.toml")
    assert result.status == "passed", result.error
    kinds = {s.kind for s in result.steps}
    assert {"service", "expect_screen"} <= kinds
    assert "expect_receipt" in kinds or "expect_licence" in kinds, "a journey checks its output"


def test_an_unknown_fault_word_is_refused_with_file_and_step(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[step]]\ntap = "startButton"\n[[step]]\nfault = "paper_gone"\n')
    with pytest.raises(ScenarioError, match=r"bad.toml: step 2: unknown fault word 'paper_gone'"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="exactly one action"):
        parse_scenario({"name": "x", "step": [{"tap": "a", "wait": 1}]}, "x")


def test_shipped_scenarios_are_what_the_generator_makes() -> None:
    """Regenerate with `kiosk-dev rig generate --out devtools/rig/scenarios` when this fails."""
    files = generate(load_config())
    shipped = {
        str(p.relative_to(SCENARIOS)): p.read_text(encoding="utf-8")
        for p in SCENARIOS.rglob("*.toml")
    }
    assert sorted(shipped) == sorted(files)
    stale = [name for name, text in files.items() if shipped[name] != text]
    assert not stale, f"stale: {stale[:5]}"
    config = load_config()
    assert {f"services/{sid}.toml" for sid in config.services} <= set(files)
    for path in SCENARIOS.rglob("*.toml"):
        load_scenario(path)  # every shipped file is valid


def test_burn_in_short_run_passes_and_reports(tmp_path: Path) -> None:
    report = tmp_path / "burn.json"
    proc = subprocess.run(
        [
            *KIOSK_DEV,
            "rig",
            "burn-in",
            "--hours",
            "0.002",
            "--sim",
            "--report",
            str(report),
            str(SCENARIOS / "faults" / "garbage-idcard.toml"),
        ],
        capture_output=True,
        text=True,
        timeout=90,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["passed"] and data["sessions"] >= 3 and not data["failures"]
    assert {"rss_mb", "fds", "threads"} <= set(data["samples"][0])
    assert "burn-in: PASS" in proc.stdout


def test_limits_fail_on_growth() -> None:
    outcome = Outcome(samples=[Sample(i, float(i), 200.0 + i, 20 + i // 5, 10) for i in range(30)])
    judge(outcome, Limits())
    assert not outcome.passed
    assert any("RSS grew" in p for p in outcome.problems)
    assert any("open files" in p for p in outcome.problems)


def test_soak_100_sessions_with_random_faults(qapp: Any, tmp_path: Path) -> None:
    outcome = soak(100, work_dir=tmp_path, seed=8)
    assert not outcome.failures, outcome.failures[:3]
    assert outcome.passed, (outcome.problems, outcome.rss_growth_mb)
    assert outcome.fd_growth <= 2 and outcome.thread_growth <= 2
