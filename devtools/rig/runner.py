"""Runs scenarios step by step on a bench and records what happened.

Every step gets a wall-clock timestamp, its offset from the scenario start and its duration.
The first failing step saves a screenshot and ends the scenario; a fault word the fitted device
does not take (real hardware) skips the rest of the scenario. Receipts and licences printed
during a scenario are rendered to PNG previews next to the report.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devtools.rig.bench import Bench, BenchError, PrintRequest
from devtools.rig.scenario import Scenario, Step

log = logging.getLogger("devtools.rig")

POLL_MS = 10
# Without a UI (soak, `--no-ui`), the buttons a scenario taps become the intents they send.
TAP_INTENTS: dict[str, tuple[str, dict[str, Any]]] = {
    "startButton": ("start", {}),
    "nextButton": ("next", {}),
    "submitButton": ("submit", {}),
    "finishButton": ("finish", {}),
    "cancelButton": ("cancel", {}),
    "backButton": ("back", {}),
    "languageButton": ("language", {"lang": "en"}),
}


class StepFailed(AssertionError):
    """A step's action or expectation did not hold (the message says what was seen)."""


class StepSkipped(Exception):
    """The bench cannot do this step (a fault word real hardware does not take)."""


@dataclass
class StepResult:
    """One step as it ran."""

    index: int
    kind: str
    description: str
    status: str  # passed | failed | skipped
    started_at: str  # ISO 8601 UTC
    offset_s: float  # from the scenario's start
    duration_ms: float
    screen: str
    error: str = ""
    screenshot: str | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able."""
        return dict(self.__dict__)


@dataclass
class ScenarioResult:
    """One scenario as it ran: its steps, the outcome and the previews."""

    id: str
    name: str
    path: str | None
    tags: tuple[str, ...]
    status: str  # passed | failed | skipped | error
    started_at: str
    duration_s: float
    steps: list[StepResult] = field(default_factory=list)
    error: str = ""
    previews: list[dict[str, str]] = field(default_factory=list)
    transaction_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able."""
        data = dict(self.__dict__)
        data["tags"] = list(self.tags)
        data["steps"] = [s.to_dict() for s in self.steps]
        return data


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:80]


def receipt_text(document: Any) -> str:
    """A receipt's blocks as the plain text the printer would print."""
    from drivers.receipt.sim import render_text

    return render_text(list(document))


def expected_available(service: Any, out: set[str], online: bool) -> bool:
    """The service x fault oracle: does `service` work with the `out` device classes broken?"""
    needed: set[str] = set(service.outputs)
    if service.identity != "none":
        needed.add("idcard")
    if service.identity == "id_card_face":
        needed.add("camera")
    return not (needed & out) and (online or not service.online_only)


class ScenarioRun:
    """Executes one scenario on a bench."""

    def __init__(self, bench: Bench, scenario: Scenario, artifacts: Path | None) -> None:
        self.bench = bench
        self.scenario = scenario
        self.artifacts = artifacts
        self._print_mark = len(bench.session_prints())
        self._start = time.monotonic()

    # -- helpers -----------------------------------------------------------------------------
    def _timeout(self, step: Step) -> float:
        return step.timeout if step.timeout is not None else self.scenario.timeout_s

    def _wait(self, predicate: Callable[[], bool], what: Callable[[], str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return
            if time.monotonic() > deadline:
                raise StepFailed(f"after {timeout:g} s: {what()}")
            self.bench.pump(POLL_MS)

    def _item(self, name: str, timeout: float) -> Any:
        found: list[Any] = []

        def look() -> bool:
            hit = self.bench.find(name)
            if hit is not None:
                found.append(hit)
            return hit is not None

        self._wait(
            look, lambda: f"no visible item {name!r} on screen {self.bench.screen!r}", timeout
        )
        return found[-1]

    def _click(self, name: str, timeout: float) -> None:
        if self.bench.ui is None:
            self._headless_tap(name)
            return
        target = self._item(name, timeout)
        self._wait(
            target.isEnabled,
            lambda: (
                f"{name!r} is disabled on screen {self.bench.screen!r} "
                f"(message {self.bench.message!r})"
            ),
            timeout,
        )
        self.bench.click(name)
        self.bench.pump(0)

    def _headless_tap(self, name: str) -> None:
        terminal = self.bench.terminal
        if name in TAP_INTENTS:
            intent, payload = TAP_INTENTS[name]
        elif name.startswith("rate_"):
            intent, payload = "rate", {"score": int(name.removeprefix("rate_"))}
        elif name.startswith("service_"):
            intent, payload = "choose_service", {"service_id": name.removeprefix("service_")}
        elif name.startswith("delivery_"):
            intent, payload = "delivery", {"option": name.removeprefix("delivery_")}
        else:
            raise StepFailed(f"{name!r} cannot be tapped without the UI")
        terminal.intent(intent, payload)
        self.bench.pump(0)

    def _form_field(self, field_id: str) -> dict[str, Any] | None:
        for f in self.bench.terminal.view.data.get("fields", []) or []:
            if f.get("id") == field_id:
                return dict(f)
        return None

    def _form_value(self, field_id: str) -> str | None:
        f = self._form_field(field_id)
        return None if f is None else str(f.get("value", ""))

    def _form_holds(self, field_id: str, value: str) -> bool:
        f = self._form_field(field_id)
        held = None if f is None else f.get("value")
        return held == value or (isinstance(held, list) and value in held)

    def transaction_ids(self) -> list[str]:
        """Transactions printed for during this scenario, oldest first."""
        seen: list[str] = []
        for p in self.bench.session_prints(self._print_mark):
            if p.transaction_id not in seen:
                seen.append(p.transaction_id)
        return seen

    def _current_transaction(self, timeout: float) -> str:
        ids: list[str] = []

        def have() -> bool:
            ids[:] = self.transaction_ids()
            return bool(ids)

        self._wait(have, lambda: "no transaction was submitted in this scenario", timeout)
        return ids[-1]

    def _print_job_state(self, transaction_id: str, kind: str) -> str | None:
        jobs = self.bench.terminal.outbox.print_jobs(transaction_id)
        jobs = [j for j in jobs if j["kind"] == kind]
        return str(jobs[-1]["state"]) if jobs else None

    def _prints_of(self, kind: str, transaction_id: str) -> list[PrintRequest]:
        return [
            p
            for p in self.bench.session_prints(self._print_mark)
            if p.kind == kind and p.transaction_id == transaction_id
        ]

    # -- steps ---------------------------------------------------------------------------------
    def do(self, step: Step) -> None:
        """Carry out one step; StepFailed or StepSkipped when it cannot."""
        handler = getattr(self, f"_do_{step.kind}")
        handler(step, self._timeout(step))

    def _inject(self, device: str, word: str, *args: str) -> None:
        if word not in self.bench.device_words(device):
            if not self.bench.device_words(device):
                raise StepSkipped(f"no {device} device is fitted")
            raise StepSkipped(f"the fitted {device} device does not take {word!r}")
        try:
            self.bench.terminal.inject(device, word, *args)
        except ValueError as exc:
            raise StepFailed(f"{device} refused {word!r}: {exc}") from exc

    def _do_tap(self, step: Step, timeout: float) -> None:
        self._click(str(step.value), timeout)

    def _do_service(self, step: Step, timeout: float) -> None:
        self._click(f"service_{step.value}", timeout)

    def _do_card(self, step: Step, timeout: float) -> None:
        self._inject("idcard", "card_insert", str(step.value))

    def _do_face(self, step: Step, timeout: float) -> None:
        self._inject("camera", "face", str(step.value))

    def _do_type(self, step: Step, timeout: float) -> None:
        field_id, text = str(step.value["field"]), str(step.value["text"])
        if self.bench.ui is None:
            self.bench.terminal.intent("input", {"field": field_id, "value": text})
        else:
            self._item(f"field_{field_id}", timeout)
            self.bench.type_text(f"field_{field_id}", text)
        self._wait(
            lambda: self._form_value(field_id) not in (None, ""),
            lambda: f"the form did not take the text typed into {field_id!r}",
            timeout,
        )

    def _do_choose(self, step: Step, timeout: float) -> None:
        field_id, value = str(step.value["field"]), str(step.value["value"])
        if self.bench.ui is None:
            self.bench.terminal.intent("input", {"field": field_id, "value": value})
        else:
            self._click(f"field_{field_id}_{value}", timeout)
        self._wait(
            lambda: self._form_holds(field_id, value),
            lambda: f"{field_id!r} is {self._form_value(field_id)!r}, not {value!r}",
            timeout,
        )

    def _do_pick(self, step: Step, timeout: float) -> None:
        field_id = str(step.value)
        choices: list[Any] = []

        def offered() -> bool:
            f = self._form_field(field_id)
            choices[:] = list((f or {}).get("choices") or [])
            return bool(choices)

        self._wait(
            offered,
            lambda: f"{field_id!r} offers no choice (message {self.bench.message!r})",
            timeout,
        )
        value = str(choices[0]["value"])
        self._do_choose(Step(step.index, "choose", {"field": field_id, "value": value}), timeout)

    def _do_delivery(self, step: Step, timeout: float) -> None:
        self._click(f"delivery_{step.value}", timeout)
        self._wait(
            lambda: self.bench.terminal.view.data.get("delivery") == step.value,
            lambda: f"delivery is {self.bench.terminal.view.data.get('delivery')!r}",
            timeout,
        )

    def _do_rate(self, step: Step, timeout: float) -> None:
        self._click(f"rate_{step.value}", timeout)

    def _do_fault(self, step: Step, timeout: float) -> None:
        assert step.device is not None
        word, *args = str(step.value).split()
        self._inject(step.device, word, *args)
        self.bench.pump(POLL_MS)

    def _do_intent(self, step: Step, timeout: float) -> None:
        self.bench.terminal.intent(str(step.value["name"]), dict(step.value.get("payload", {})))
        self.bench.pump(0)

    def _do_wait(self, step: Step, timeout: float) -> None:
        self.bench.pump(int(float(step.value) * 1000))

    def _do_screenshot(self, step: Step, timeout: float) -> None:
        if self.artifacts is None:
            return
        name = _safe_name(str(step.value))
        path = self.artifacts / _safe_name(self.scenario.id) / f"{name}.png"
        self.bench.pump(100)  # let the last change be drawn
        if self.bench.screenshot(path) is None:
            raise StepFailed(f"could not save the screenshot {name}")

    def _do_expect_screen(self, step: Step, timeout: float) -> None:
        wanted = [step.value] if isinstance(step.value, str) else list(step.value)
        self._wait(
            lambda: self.bench.screen in wanted,
            lambda: (
                f"screen is {self.bench.screen!r} (message {self.bench.message!r}), "
                f"not {' or '.join(wanted)}"
            ),
            timeout,
        )

    def _do_expect_message(self, step: Step, timeout: float) -> None:
        self._wait(
            lambda: self.bench.message == step.value,
            lambda: (
                f"message is {self.bench.message!r}, not {step.value!r} "
                f"(screen {self.bench.screen!r})"
            ),
            timeout,
        )

    def _do_expect_service(self, step: Step, timeout: float) -> None:
        service_id = str(step.value["id"])
        service = self.bench.services().get(service_id)
        if service is None:
            raise StepFailed(f"no service {service_id!r} in the catalogue")
        available = bool(step.value.get("available", True))
        reason = str(step.value.get("reason", ""))
        flow = self.bench.terminal.flow

        def holds() -> bool:
            got = flow.service_unavailable_reason(service)
            if available:
                return got is None
            return got is not None and (not reason or got == reason)

        self._wait(
            holds,
            lambda: (
                f"{service_id} is "
                f"{flow.service_unavailable_reason(service) or 'available'}, expected "
                f"{'available' if available else reason or 'unavailable'}"
            ),
            timeout,
        )

    def _do_expect_matrix(self, step: Step, timeout: float) -> None:
        out = set(step.value)
        flow = self.bench.terminal.flow
        wrong: list[str] = []

        def holds() -> bool:
            online = self.bench.terminal.connectivity() == "online"
            wrong[:] = [
                f"{sid} ({flow.service_unavailable_reason(s) or 'available'})"
                for sid, s in self.bench.services().items()
                if (flow.service_unavailable_reason(s) is None)
                != expected_available(s, out, online)
            ]
            return not wrong

        self._wait(
            holds,
            lambda: (
                f"with {', '.join(sorted(out)) or 'no device'} out, wrong availability: "
                + ", ".join(wrong)
            ),
            timeout,
        )

    def _do_expect_receipt(self, step: Step, timeout: float) -> None:
        tid = self._current_transaction(timeout)
        self._wait(
            lambda: self._print_job_state(tid, "receipt") == "confirmed",
            lambda: f"receipt job is {self._print_job_state(tid, 'receipt') or 'not journalled'}",
            timeout,
        )
        texts = [receipt_text(p.document) for p in self._prints_of("receipt", tid)]
        if not any(str(step.value) in t for t in texts):
            raise StepFailed(f"the receipt does not contain {step.value!r}")

    def _do_expect_licence(self, step: Step, timeout: float) -> None:
        tid = self._current_transaction(timeout)
        if step.value:
            self._wait(
                lambda: self._print_job_state(tid, "licence") == "confirmed",
                lambda: f"licence job is {self._print_job_state(tid, 'licence') or 'absent'}",
                timeout,
            )
        else:
            state = self._print_job_state(tid, "licence")
            if state == "confirmed":
                raise StepFailed("a licence was printed")

    def _do_expect_intake(self, step: Step, timeout: float) -> None:
        server = self.bench.intake
        if server is None:
            raise StepFailed("expect_intake needs [setup] intake = true")
        tid = self._current_transaction(timeout)
        store = server.store
        self._wait(
            lambda: any(t["transaction_id"] == tid for t in store.transactions()),
            lambda: (
                f"the intake has not stored the transaction (outbox: "
                f"{self.bench.terminal.outbox.get(tid).state})"
            ),
            timeout,
        )

    # -- previews ------------------------------------------------------------------------------
    def write_previews(self) -> list[dict[str, str]]:
        """PNG previews of what was printed in this scenario (receipts and licences)."""
        if self.artifacts is None:
            return []
        out: list[dict[str, str]] = []
        folder = self.artifacts / _safe_name(self.scenario.id)
        for n, request in enumerate(self.bench.session_prints(self._print_mark), start=1):
            path = folder / f"{n:02d}-{request.kind}.png"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                if request.kind == "receipt":
                    receipt_png(request.document, path, self.bench.config)
                else:
                    licence_png(request.document, path)
            except Exception as exc:  # a preview is a courtesy: never fail the run for it
                log.warning("preview of %s failed: %s", request.kind, type(exc).__name__)
                continue
            out.append(
                {"kind": request.kind, "transaction_id": request.transaction_id, "png": str(path)}
            )
        return out


def receipt_png(blocks: Any, path: Path, config: Any) -> None:
    """Render receipt blocks as the ESC/POS printer prints them (encoder -> sink -> PNG)."""
    from drivers.receipt.escpos import preview_bytes
    from drivers.receipt.sink import decode, render_png

    options = dict(config.devices.receipt.options)
    paper_mm = int(options.get("paper_mm", 80))
    docs = decode(preview_bytes(list(blocks), options))
    render_png(docs[0], path, paper_mm)


def licence_png(document: Any, path: Path) -> None:
    """Render an A4 document as drivers.licence.render draws it (loaded at run time: Qt)."""
    render = importlib.import_module("drivers.licence.render")
    render.render_png(document, path, dpi=60)


def return_to_attract(bench: Bench, timeout: float = 20.0) -> None:
    """Bring a shared bench back to the attract screen with every fault cleared."""
    bench.reset_devices()
    deadline = time.monotonic() + timeout
    terminal = bench.terminal
    while time.monotonic() < deadline:
        screen = terminal.view.screen
        if screen == "attract":
            break
        if screen in ("rating", "done"):
            terminal.intent("finish")
        elif screen not in ("submitting", "printing"):
            terminal.intent("cancel")
        bench.pump(POLL_MS)
    bench.pump(POLL_MS)


def run_scenario(bench: Bench, scenario: Scenario, artifacts: Path | None) -> ScenarioResult:
    """Run `scenario` on `bench`; never raises for a failing step."""
    run = ScenarioRun(bench, scenario, artifacts)
    started_at = _now_iso()
    result = ScenarioResult(
        id=scenario.id,
        name=scenario.name,
        path=str(scenario.path) if scenario.path else None,
        tags=scenario.tags,
        status="passed",
        started_at=started_at,
        duration_s=0.0,
    )
    skipping = ""
    for step in scenario.steps:
        stamp = _now_iso()
        t0 = time.monotonic()
        status, error, shot = "passed", "", None
        if skipping or result.status == "failed":
            status, error = "skipped", skipping or "an earlier step failed"
        else:
            try:
                run.do(step)
            except StepSkipped as exc:
                status, error, skipping = "skipped", str(exc), str(exc)
            except StepFailed as exc:
                status, error = "failed", str(exc)
            except Exception as exc:  # the rig must report, not crash, on a broken step
                log.debug("step crashed", exc_info=True)
                status, error = "failed", f"{type(exc).__name__}: {exc}"
            if status == "failed" and artifacts is not None:
                path = artifacts / _safe_name(scenario.id) / f"failed-step-{step.index + 1}.png"
                with contextlib.suppress(Exception):
                    shot = str(path) if bench.screenshot(path) else None
        if status == "failed":
            result.status = "failed"
            result.error = f"step {step.index + 1} ({step.describe()}): {error}"
        result.steps.append(
            StepResult(
                index=step.index + 1,
                kind=step.kind,
                description=step.describe(),
                status=status,
                started_at=stamp,
                offset_s=round(t0 - run._start, 3),
                duration_ms=round((time.monotonic() - t0) * 1000, 1),
                screen=bench.screen,
                error=error,
                screenshot=shot,
                note=step.note,
            )
        )
    if skipping and result.status == "passed":
        result.status = "skipped"
        result.error = skipping
    result.transaction_ids = run.transaction_ids()
    result.previews = run.write_previews()
    result.duration_s = round(time.monotonic() - run._start, 3)
    return result


def run_scenarios(
    scenarios: Sequence[Scenario],
    *,
    work_dir: Path,
    artifacts: Path | None,
    config_dirs: Sequence[Path] = (),
    sim: bool = False,
    show: bool = False,
    progress: Callable[[ScenarioResult], None] | None = None,
) -> list[ScenarioResult]:
    """Run each scenario on a fresh bench (its own terminal, state, UI and intake server)."""
    results: list[ScenarioResult] = []
    for n, scenario in enumerate(scenarios):
        started = time.monotonic()
        stamp = _now_iso()
        try:
            bench = Bench(
                work_dir / f"{n:03d}-{_safe_name(scenario.id)}",
                scenario.setup,
                config_dirs=config_dirs,
                sim=sim,
                show=show,
            )
        except BenchError as exc:
            result = ScenarioResult(
                id=scenario.id,
                name=scenario.name,
                path=str(scenario.path) if scenario.path else None,
                tags=scenario.tags,
                status="error",
                started_at=stamp,
                duration_s=round(time.monotonic() - started, 3),
                error=str(exc),
            )
        else:
            try:
                result = run_scenario(bench, scenario, artifacts)
            finally:
                bench.close()
        results.append(result)
        if progress is not None:
            progress(result)
    return results
