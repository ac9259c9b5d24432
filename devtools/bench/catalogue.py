"""Catalogue search benchmarks for `./run bench`.

- index build: pinyin (with heteronyms) of every title, keyword, department, theme and
  description of the shipped catalogue; done once per config; target < 1 s.
- search latency: p95 and worst over a few hundred queries as citizens type them (every
  keystroke of full pinyin and of initials, Chinese words, English words, no-match strings),
  on a built index with no result cache; target p95 < 5 ms.
- search intent to view: the flow handling one `search` intent and building the service
  list (availability of each result included); target p95 < 20 ms.

    python -m devtools.bench.catalogue
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path


def _queries(config) -> list[str]:  # type: ignore[no-untyped-def]
    from pypinyin import Style, lazy_pinyin

    out: list[str] = []
    for service in config.services.values():
        zh = service.title.zh
        full = "".join(lazy_pinyin(zh, style=Style.NORMAL))
        initials = "".join(lazy_pinyin(zh, style=Style.FIRST_LETTER))
        out += [zh[:2], zh, initials, initials[:3], full[:6], full]
        out += [w for w in service.title.en.split()[:2]]
    # Typing letter by letter, as the Pinyin keyboard's pre-edit grows.
    for word in ("yingyezhizhao", "gongjijintiqu", "shehuibaozhang", "yyzz", "bdcdj"):
        out += [word[: i + 1] for i in range(len(word))]
    out += ["qqxq", "不存在的事项", "zzzzzzzz", "x", "licence", "marriage", "12345"]
    return out


def rows() -> list[tuple[str, str, str, bool | None]]:
    from kiosk.catalogue import Catalogue
    from kiosk.compose import build_terminal
    from kiosk.config import load_config

    config = load_config([])
    Catalogue(config)  # pypinyin loads its dictionaries on first use: not part of a rebuild
    builds = []
    for _ in range(5):
        start = time.perf_counter()
        catalogue = Catalogue(config)
        builds.append((time.perf_counter() - start) * 1000)
    build_ms = statistics.median(builds)

    queries = _queries(config)
    times = []
    for query in queries:
        start = time.perf_counter()
        catalogue.search(query)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    median = statistics.median(times)

    with tempfile.TemporaryDirectory() as tmp:
        terminal = build_terminal(config, sim=True, state_dir=Path(tmp) / "state")
        terminal.start()
        try:
            terminal.intent("start")
            flow_times = []
            for query in queries:
                start = time.perf_counter()
                terminal.intent("search", {"text": query})
                flow_times.append((time.perf_counter() - start) * 1000)
            flow_times.sort()
            flow_p95 = flow_times[int(0.95 * (len(flow_times) - 1))]
        finally:
            terminal.stop()

    n = len(config.services)
    return [
        (
            f"catalogue index build ({n} services)",
            f"{build_ms:.0f} ms",
            "< 1000 ms",
            build_ms < 1000,
        ),
        (
            f"search latency p95 ({len(queries)} queries)",
            f"{p95:.2f} ms (median {median:.2f}, max {times[-1]:.2f})",
            "< 5 ms",
            p95 < 5,
        ),
        ("search intent to view p95", f"{flow_p95:.2f} ms", "< 20 ms", flow_p95 < 20),
    ]


if __name__ == "__main__":
    for name, value, target, ok in rows():
        print(f"{name:45} {value:40} {target:10} {'PASS' if ok else 'FAIL'}")
