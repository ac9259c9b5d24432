"""Rig reports: JSON (every step with its timestamps, previews) and JUnit XML (one testcase per
scenario, the shape CI tools such as GitLab, Jenkins and GitHub test reporters read)."""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devtools.rig.runner import ScenarioResult
from kiosk import __version__

SUITE = "kiosk-rig"


def summary(results: Sequence[ScenarioResult]) -> dict[str, int]:
    """Counts by outcome."""
    counts = {"total": len(results), "passed": 0, "failed": 0, "skipped": 0, "error": 0}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return counts


def report_dict(
    results: Sequence[ScenarioResult], *, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON report."""
    return {
        "kind": "kiosk-rig-report",
        "version": 1,
        "app_version": __version__,
        "host": socket.gethostname(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "summary": summary(results),
        **dict(extra or {}),
        "scenarios": [r.to_dict() for r in results],
    }


def write_json(path: Path, results: Sequence[ScenarioResult], **extra: Any) -> None:
    """Write the JSON report to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report_dict(results, extra=extra), ensure_ascii=False, indent=2)
    path.write_text(text + "\n", encoding="utf-8")


def _classname(result: ScenarioResult) -> str:
    if result.path:
        parent = Path(result.path).parent.name
        return f"rig.{parent}" if parent else "rig"
    return "rig"


def _steps_text(result: ScenarioResult) -> str:
    lines = []
    for s in result.steps:
        line = (
            f"{s.started_at} +{s.offset_s:7.3f}s {s.status:7} step {s.index:2} "
            f"[{s.screen}] {s.description} ({s.duration_ms:.0f} ms)"
        )
        if s.error:
            line += f" -- {s.error}"
        if s.screenshot:
            line += f" [screenshot {s.screenshot}]"
        lines.append(line)
    for p in result.previews:
        lines.append(f"preview {p['kind']}: {p['png']}")
    return "\n".join(lines)


def junit_xml(results: Sequence[ScenarioResult]) -> bytes:
    """JUnit XML: one <testsuite>, one <testcase> per scenario."""
    counts = summary(results)
    total_time = sum(r.duration_s for r in results)
    root = ET.Element(
        "testsuites",
        name=SUITE,
        tests=str(counts["total"]),
        failures=str(counts["failed"]),
        errors=str(counts["error"]),
        skipped=str(counts["skipped"]),
        time=f"{total_time:.3f}",
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        name=SUITE,
        tests=str(counts["total"]),
        failures=str(counts["failed"]),
        errors=str(counts["error"]),
        skipped=str(counts["skipped"]),
        time=f"{total_time:.3f}",
        timestamp=results[0].started_at if results else datetime.now(UTC).isoformat(),
        hostname=socket.gethostname(),
    )
    for r in results:
        case = ET.SubElement(
            suite, "testcase", classname=_classname(r), name=r.id, time=f"{r.duration_s:.3f}"
        )
        if r.path:
            case.set("file", r.path)
        if r.status == "failed":
            failure = ET.SubElement(case, "failure", message=r.error[:500], type="StepFailed")
            failure.text = _steps_text(r)
        elif r.status == "error":
            error = ET.SubElement(case, "error", message=r.error[:500], type="BenchError")
            error.text = r.error
        elif r.status == "skipped":
            ET.SubElement(case, "skipped", message=r.error[:500])
        out = ET.SubElement(case, "system-out")
        out.text = _steps_text(r)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write_junit(path: Path, results: Sequence[ScenarioResult]) -> None:
    """Write the JUnit XML report to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(junit_xml(results))
