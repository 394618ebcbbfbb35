"""Turn the figures of bench/run.py into docs/benchmarks.md and a plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f} x"


def batch_row(measure: str, batch: dict[str, Any], goal: str) -> tuple[str, str, str, str, str]:
    """A batch benchmark's row: the rendered handler against the seed loop, same batch."""
    return (
        measure,
        f"{batch['rendered_ms']:.0f} ms",
        f"seed loop {batch['seed_ms']:.0f} ms",
        ratio(batch["rendered_ms"], batch["seed_ms"]),
        goal,
    )


def rows(figures: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(measure, rendered, baseline, ratio, goal) for every figure."""
    cold = figures["cold_start_us"]
    per_record = figures["per-record"]
    first_call = figures["first_call_ms"]
    batch = figures["batch"]
    producer = figures["producer"]
    return [
        (
            "Cold start: import of the handler module",
            f"{cold['rendered handler'] / 1000:.0f} ms",
            f"seed {cold['seed handler'] / 1000:.0f} ms",
            ratio(cold["rendered handler"], cold["seed handler"]),
            "<= 0.6 x seed",
        ),
        (
            "Cold start (reference): import + first batch of one webhook, fresh process",
            f"{first_call['rendered']:.0f} ms",
            f"seed {first_call['seed']:.0f} ms",
            ratio(first_call["rendered"], first_call["seed"]),
            "",
        ),
        (
            "Cold start: bare Powertools batch import (reference)",
            f"{cold['bare Powertools batch'] / 1000:.0f} ms",
            f"seed {cold['seed handler'] / 1000:.0f} ms",
            ratio(cold["bare Powertools batch"], cold["seed handler"]),
            "",
        ),
        (
            "Per record, no-op job (idempotency off)",
            f"{per_record['rendered_us']:.0f} us",
            f"Powertools {per_record['powertools_us']:.0f} us, loop {per_record['loop_us']:.1f} us",
            ratio(per_record["rendered_us"], per_record["powertools_us"]),
            "<= 1.5 x Powertools",
        ),
        batch_row(
            f"Batch of 10 webhooks, receiver answers after {batch['receiver_delay_ms']:.0f} ms",
            batch,
            "<= 1/6 (0.17 x) seed",
        ),
        batch_row(
            "Batch of 10 webhooks (reference), idempotency off",
            figures["batch-idempotency-off"],
            "",
        ),
        batch_row(
            "FIFO batch of 10 webhooks in 10 message groups",
            figures["batch-fifo-10-groups"],
            "<= 1/6 (0.17 x) seed",
        ),
        batch_row(
            "FIFO batch of 10 webhooks in one message group",
            figures["batch-fifo-1-group"],
            "= 1 x seed (order first)",
        ),
        (
            f"Producer, {producer['messages']} messages, SQS stand-in {producer['latency_ms']:.0f} ms",
            f"{producer['rendered_per_second']:.0f} msg/s",
            f"seed loop {producer['seed_per_second']:.0f} msg/s",
            ratio(producer["rendered_per_second"], producer["seed_per_second"]),
            ">= 4 x seed",
        ),
    ]


def markdown(figures: dict[str, Any]) -> str:
    load = figures["load_average"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured on {figures['date']}: {figures['machine']}. Shared, noisy machines: read the",
        "ratios (measured side by side in one run), not the absolute figures. Reproduce with",
        "`bash scripts/bench.sh` from the template repository.",
        "",
        f"Load average (1 min) at the start and the end of the run: {load[0]:.1f} and {load[1]:.1f}.",
        "",
        "The rendered handler does per record what the seed does not: it validates the envelope",
        "and the payload, and writes and completes an idempotency record in DynamoDB (here moto,",
        "in the same process, so those calls cost CPU time rather than network time). The rows",
        "marked idempotency off show the scheduling alone; the import + first batch row shows",
        "what lazy imports move from the import to the first call.",
        "",
        "| Measure | Rendered service | Baseline | Ratio | Goal |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {' | '.join(row)} |" for row in rows(figures)]
    producer = figures["producer"]
    lines += [
        "",
        (
            f"Producer correctness in the same run: {producer['lost']} lost, "
            f"{producer['duplicated']} duplicated, {producer['failed']} reported failed."
        ),
        "",
        f"Template: {figures['render_seconds']:.2f} s per `copier copy` (median over "
        "Terraform, FIFO, SAM and CDK renders)"
        + (
            f"; the default service's `make test` takes {figures['suite_seconds']:.0f} s."
            if "suite_seconds" in figures
            else "."
        ),
        "",
        "![Ratios against the baselines](img/benchmarks.png)",
        "",
    ]
    return "\n".join(lines)


def plot(figures: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cold = figures["cold_start_us"]
    values = {
        "cold start\n(vs seed)": cold["rendered handler"] / cold["seed handler"],
        "per record\n(vs Powertools)": figures["per-record"]["rendered_us"]
        / figures["per-record"]["powertools_us"],
        "batch of 10 slow\n(vs seed loop)": figures["batch"]["rendered_ms"]
        / figures["batch"]["seed_ms"],
        "FIFO, 10 groups\n(vs seed loop)": figures["batch-fifo-10-groups"]["rendered_ms"]
        / figures["batch-fifo-10-groups"]["seed_ms"],
        "FIFO, 1 group\n(vs seed loop)": figures["batch-fifo-1-group"]["rendered_ms"]
        / figures["batch-fifo-1-group"]["seed_ms"],
        "producer throughput\n(vs seed loop)": figures["producer"]["rendered_per_second"]
        / figures["producer"]["seed_per_second"],
    }
    goals = [0.6, 1.5, 1 / 6, 1 / 6, 1.0, 4.0]
    figure, axes = plt.subplots(figsize=(10, 4))
    positions = range(len(values))
    axes.bar(positions, list(values.values()), color="#4c72b0", label="measured ratio")
    axes.scatter(positions, goals, color="#dd8452", marker="_", s=900, label="goal", zorder=3)
    axes.set_xticks(list(positions), list(values.keys()))
    axes.set_ylabel("ratio to baseline")
    axes.axhline(1.0, color="grey", linewidth=0.8)
    axes.legend()
    axes.set_title(f"Rendered service vs baselines ({figures['date']})")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
