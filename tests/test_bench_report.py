"""bench/report.py turns the benchmark figures into rows with ratios and goals.

No timing here (speed is measured by bench/run.py, never in tests): this only keeps
the report honest, e.g. that every ratio divides the right pair of figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import report  # bench/ is not a package: found through sys.path above

FIGURES = {
    "machine": "2 cores",
    "date": "2026-11-27",
    "cold_start_us": {
        "rendered handler": 600_000,
        "seed handler": 1_000_000,
        "bare Powertools batch": 500_000,
    },
    "first_call_ms": {"rendered": 1500.0, "seed": 1000.0},
    "per-record": {"records": 2000, "rendered_us": 30.0, "powertools_us": 20.0, "loop_us": 2.0},
    "batch": {"records": 10, "receiver_delay_ms": 50.0, "rendered_ms": 100.0, "seed_ms": 500.0},
    "batch-idempotency-off": {
        "records": 10,
        "receiver_delay_ms": 50.0,
        "rendered_ms": 80.0,
        "seed_ms": 500.0,
    },
    "batch-fifo-10-groups": {"records": 10, "groups": 10, "rendered_ms": 75.0, "seed_ms": 500.0},
    "batch-fifo-1-group": {"records": 10, "groups": 1, "rendered_ms": 510.0, "seed_ms": 500.0},
    "producer": {
        "messages": 10_000,
        "latency_ms": 20.0,
        "rendered_per_second": 2000.0,
        "seed_per_second": 500.0,
        "lost": 0,
        "duplicated": 0,
        "failed": 0,
    },
    "render_seconds": 1.5,
    "load_average": (1.25, 3.5),
}


def test_every_figure_has_its_baseline_ratio_and_goal() -> None:
    rows = {row[0].split(",")[0]: row for row in report.rows(FIGURES)}

    assert rows["Cold start: import of the handler module"][3] == "0.60 x"
    assert rows["Per record"][3] == "1.50 x"
    assert rows["Cold start (reference): import + first batch of one webhook"][3] == "1.50 x"
    assert rows["Batch of 10 webhooks"][3] == "0.20 x"
    assert rows["FIFO batch of 10 webhooks in 10 message groups"][3] == "0.15 x"
    assert rows["FIFO batch of 10 webhooks in one message group"][3] == "1.02 x"
    assert rows["Producer"][3] == "4.00 x"
    assert all(row[4] for name, row in rows.items() if "reference" not in name)


def test_the_markdown_states_machine_correctness_and_plot(tmp_path: Path) -> None:
    text = report.markdown(FIGURES)

    assert "2 cores" in text
    assert "start and the end of the run: 1.2 and 3.5" in text
    assert "0 lost, 0 duplicated, 0 reported failed" in text
    assert "1.50 s per `copier copy`" in text
    assert "![Ratios against the baselines](img/benchmarks.png)" in text
