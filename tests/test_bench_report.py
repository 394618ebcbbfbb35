"""bench/report.py turns the benchmark figures into rows with ratios and goals.

No timing here (speed is measured by bench/run.py, never in tests): this only keeps
the report honest, e.g. that every ratio divides the right pair of figures.
"""

from __future__ import annotations

import json
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
    assert all(not row[5] for name, row in rows.items() if "reference" in name)


def test_each_goal_is_judged_met_or_missed_from_its_ratio() -> None:
    rows = {row[0].split(",")[0]: row for row in report.rows(FIGURES)}

    # At the bound counts as met; past it, not; the producer's goal is a floor.
    assert rows["Cold start: import of the handler module"][5] == "yes"
    assert rows["Per record"][5] == "yes"
    assert rows["Batch of 10 webhooks"][5] == "no"
    assert rows["FIFO batch of 10 webhooks in 10 message groups"][5] == "yes"
    assert rows["FIFO batch of 10 webhooks in one message group"][5] == "no"
    assert rows["Producer"][5] == "yes"
    slow_producer = {**FIGURES, "producer": {**FIGURES["producer"], "rendered_per_second": 1900.0}}
    assert report.goals(slow_producer)["producer"].met is False


def test_the_page_says_what_the_seed_is_and_why_each_goal_is_met_or_missed() -> None:
    text = report.markdown(FIGURES)

    assert "**The seed** (`bench/seed_handler.py`) is the baseline design" in text
    assert "4 of the 6 goals are met" in text
    assert "- **Batch of 10 slow webhooks: missed** (0.20 x" in text
    # The reason for the missed batch goal compares with the idempotency-off batch.
    assert "With idempotency off the same batch takes 0.16 x the seed, within the goal" in text
    assert "- **FIFO batch, one group: missed** (1.02 x" in text
    assert "1 ms a record more here" in text
    assert "- **Producer throughput: met** (4.00 x" in text


def test_the_published_page_is_what_the_stored_figures_give() -> None:
    """docs/benchmarks.md is generated: editing it by hand, or the generator alone, fails."""
    figures = json.loads((ROOT / "bench" / "results.json").read_text(encoding="utf-8"))

    assert (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8") == report.markdown(
        figures
    ), "docs/benchmarks.md is stale: run `python bench/report.py` (bench/requirements.txt)"


def test_the_markdown_states_machine_correctness_and_plot(tmp_path: Path) -> None:
    text = report.markdown(FIGURES)

    assert "2 cores" in text
    assert "start and the end of the run: 1.2 and 3.5" in text
    assert "0 lost, 0 duplicated, 0 reported failed" in text
    assert "1.50 s per `copier copy`" in text
    assert "on a log scale, with each goal](img/benchmarks.png)" in text
