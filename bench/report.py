"""Turn the figures of bench/run.py into docs/benchmarks.md and its plot.

bench/run.py keeps the figures of its last run in bench/results.json; this module
rewrites the page and the plot from them, so a change to the wording or the plot
needs no new run:

    python bench/report.py    # needs matplotlib (bench/requirements.txt)
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
PAGE = ROOT / "docs" / "benchmarks.md"
PLOT = ROOT / "docs" / "img" / "benchmarks.png"

Row = tuple[str, str, str, str, str, str]


@dataclass(frozen=True)
class Goal:
    """A goal of the issue that asked for these numbers, and the ratio measured for it."""

    name: str
    baseline: str
    ratio: float
    target: float
    text: str
    higher_is_better: bool = False

    @property
    def met(self) -> bool:
        return self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f} x"


def _batch_ratio(batch: dict[str, Any]) -> float:
    return float(batch["rendered_ms"]) / float(batch["seed_ms"])


def goals(figures: dict[str, Any]) -> dict[str, Goal]:
    """Every goal by its row's measure, with the ratio that decides it."""
    cold = figures["cold_start_us"]
    per_record = figures["per-record"]
    producer = figures["producer"]
    sixth = "<= 1/6 (0.17 x) seed"
    return {
        "cold start": Goal(
            "Cold start (import)",
            "seed",
            cold["rendered handler"] / cold["seed handler"],
            0.6,
            "<= 0.6 x seed",
        ),
        "per record": Goal(
            "Per record",
            "Powertools",
            per_record["rendered_us"] / per_record["powertools_us"],
            1.5,
            "<= 1.5 x Powertools",
        ),
        "batch": Goal(
            "Batch of 10 slow webhooks", "seed loop", _batch_ratio(figures["batch"]), 1 / 6, sixth
        ),
        "fifo 10 groups": Goal(
            "FIFO batch, 10 groups",
            "seed loop",
            _batch_ratio(figures["batch-fifo-10-groups"]),
            1 / 6,
            sixth,
        ),
        "fifo 1 group": Goal(
            "FIFO batch, one group",
            "seed loop",
            _batch_ratio(figures["batch-fifo-1-group"]),
            1.0,
            "= 1 x seed (order first)",
        ),
        "producer": Goal(
            "Producer throughput",
            "seed loop",
            producer["rendered_per_second"] / producer["seed_per_second"],
            4.0,
            ">= 4 x seed",
            higher_is_better=True,
        ),
    }


def _verdict(goal: Goal | None) -> str:
    if goal is None:
        return ""
    return "yes" if goal.met else "no"


def batch_row(measure: str, batch: dict[str, Any], goal: Goal | None) -> Row:
    """A batch benchmark's row: the rendered handler against the seed loop, same batch."""
    return (
        measure,
        f"{batch['rendered_ms']:.0f} ms",
        f"seed loop {batch['seed_ms']:.0f} ms",
        ratio(batch["rendered_ms"], batch["seed_ms"]),
        goal.text if goal else "",
        _verdict(goal),
    )


def rows(figures: dict[str, Any]) -> list[Row]:
    """(measure, rendered, baseline, ratio, goal, met) for every figure."""
    cold = figures["cold_start_us"]
    per_record = figures["per-record"]
    first_call = figures["first_call_ms"]
    batch = figures["batch"]
    producer = figures["producer"]
    goal = goals(figures)
    return [
        (
            "Cold start: import of the handler module",
            f"{cold['rendered handler'] / 1000:.0f} ms",
            f"seed {cold['seed handler'] / 1000:.0f} ms",
            ratio(cold["rendered handler"], cold["seed handler"]),
            goal["cold start"].text,
            _verdict(goal["cold start"]),
        ),
        (
            "Cold start (reference): import + first batch of one webhook, fresh process",
            f"{first_call['rendered']:.0f} ms",
            f"seed {first_call['seed']:.0f} ms",
            ratio(first_call["rendered"], first_call["seed"]),
            "",
            "",
        ),
        (
            "Cold start: bare Powertools batch import (reference)",
            f"{cold['bare Powertools batch'] / 1000:.0f} ms",
            f"seed {cold['seed handler'] / 1000:.0f} ms",
            ratio(cold["bare Powertools batch"], cold["seed handler"]),
            "",
            "",
        ),
        (
            "Per record, no-op job (idempotency off)",
            f"{per_record['rendered_us']:.0f} us",
            f"Powertools {per_record['powertools_us']:.0f} us, loop {per_record['loop_us']:.1f} us",
            ratio(per_record["rendered_us"], per_record["powertools_us"]),
            goal["per record"].text,
            _verdict(goal["per record"]),
        ),
        batch_row(
            f"Batch of 10 webhooks, receiver answers after {batch['receiver_delay_ms']:.0f} ms",
            batch,
            goal["batch"],
        ),
        batch_row(
            "Batch of 10 webhooks (reference), idempotency off",
            figures["batch-idempotency-off"],
            None,
        ),
        batch_row(
            "FIFO batch of 10 webhooks in 10 message groups",
            figures["batch-fifo-10-groups"],
            goal["fifo 10 groups"],
        ),
        batch_row(
            "FIFO batch of 10 webhooks in one message group",
            figures["batch-fifo-1-group"],
            goal["fifo 1 group"],
        ),
        (
            f"Producer, {producer['messages']} messages, SQS stand-in {producer['latency_ms']:.0f} ms",
            f"{producer['rendered_per_second']:.0f} msg/s",
            f"seed loop {producer['seed_per_second']:.0f} msg/s",
            ratio(producer["rendered_per_second"], producer["seed_per_second"]),
            goal["producer"].text,
            _verdict(goal["producer"]),
        ),
    ]


BASELINES = [
    "## What is compared",
    "",
    "- **The seed** (`bench/seed_handler.py`) is the baseline design: what a first SQS consumer",
    "  usually looks like, before any of this template's work. boto3 and its SQS client are",
    "  created at import; the records of a batch run one after another in a plain loop (the",
    '  "seed loop" of the table); every failure is reported in `batchItemFailures` the same',
    "  way; there is no validation, no idempotency, no dead-letter forwarding and no lazy",
    "  import. Its webhook job is a plain, unsigned POST, and its producer sends one",
    "  SendMessageBatch of 10 after another. It runs in the rendered service's environment, on",
    "  the same events as the rendered handler, in the same run.",
    "- **Powertools** is Powertools' own `BatchProcessor` with a record handler that does",
    "  nothing: the cost of the batch plumbing alone.",
    "- **loop** is `json.loads` of each record's body: the floor.",
    "",
    "The rendered handler does per record what the seed does not: it validates the envelope",
    "and the payload, and writes and completes an idempotency record in DynamoDB (here moto,",
    "in the same process, so those calls cost CPU time rather than network time). The rows",
    "marked idempotency off show the scheduling alone; the import + first batch row shows",
    "what lazy imports move from the import to the first call.",
    "",
]


def _close_to(value: float, target: float) -> str:
    if value <= target:
        return "within the goal"
    if value <= target * 1.1:
        return f"just above the goal's {target:.3f}"
    return "still above the goal"


def reasons(figures: dict[str, Any]) -> list[str]:
    """One paragraph per goal: met or not, and why, in words drawn from the figures."""
    goal = goals(figures)
    cold = figures["cold_start_us"]
    per_record = figures["per-record"]
    first_call = figures["first_call_ms"]
    off = _batch_ratio(figures["batch-idempotency-off"])
    one_group = figures["batch-fifo-1-group"]
    delay_ms = figures["batch"]["receiver_delay_ms"]
    producer = figures["producer"]
    why = {
        "cold start": (
            f"Powertools' batch utility alone takes {cold['bare Powertools batch'] / 1000:.0f} ms "
            "to import (the bare Powertools row), and the handler module also imports pydantic "
            "and the payload models when it loads "
            f"({(cold['rendered handler'] - cold['bare Powertools batch']) / 1000:.0f} ms more). "
            "boto3 and its clients are imported on first use, so the fuller picture of a cold "
            "start is the import + first batch row: "
            f"{first_call['rendered'] / first_call['seed']:.2f} x the seed, because the first "
            "batch pays for boto3 and does what the seed does not (validation, the idempotency "
            "record, reading the signing secret)."
        ),
        "per record": (
            f"The Powertools figure is an empty record handler "
            f"({per_record['powertools_us']:.0f} us a record). The rendered handler parses and "
            "validates the envelope and the payload with pydantic, sets the record's log keys "
            "and logs one JSON line, and runs the record on a thread pool: "
            f"{per_record['rendered_us']:.0f} us a record. Against an empty handler the goal "
            "cannot be met while that work is done; the overhead is "
            f"{per_record['rendered_us'] / 10 / delay_ms:.1f} % of one {delay_ms:.0f} ms "
            "webhook call."
        ),
        "batch": (
            f"With idempotency off the same batch takes {off:.2f} x the seed, "
            f"{_close_to(off, 1 / 6)}: the records' waits on the receiver overlap as designed. "
            "The rest is the idempotency record, written and then completed in DynamoDB for "
            "every record. Here that DynamoDB is moto in the same process, so each call costs "
            "CPU time on a shared machine instead of network time, which the threads would "
            "overlap; this run does not measure the real DynamoDB."
        ),
        "fifo 10 groups": (
            "The ten groups run at the same time; as for the standard batch, the idempotency "
            "calls against moto in the same process cost CPU time that threads cannot overlap."
        ),
        "fifo 1 group": (
            "One message group runs in order on one thread, as the seed's loop does, so no wait "
            "overlaps another; each record also carries the validation and the idempotency "
            "record's DynamoDB calls (moto, in the same process) that the seed does not: "
            f"{(one_group['rendered_ms'] - one_group['seed_ms']) / one_group['records']:.0f} ms "
            "a record more here."
        ),
        "producer": (
            "The producer keeps up to 10 SendMessageBatch requests in flight where the seed "
            f"sends one after another; {producer['lost']} messages were lost and "
            f"{producer['duplicated']} duplicated."
        ),
    }
    met = [key for key, value in goal.items() if value.met]
    missed = [key for key, value in goal.items() if not value.met]
    lines = [
        "## Goals met and missed",
        "",
        f"{len(met)} of the {len(goal)} goals {'is' if len(met) == 1 else 'are'} met"
        + (": " + ", ".join(goal[key].name.lower() for key in met) if met else "")
        + ".",
        "",
    ]
    for key in met + missed:
        value = goal[key]
        state = "met" if value.met else "missed"
        lines += [
            f"- **{value.name}: {state}** ({value.ratio:.2f} x, goal {value.text}). {why[key]}",
        ]
    return [*lines, ""]


def markdown(figures: dict[str, Any]) -> str:
    load = figures["load_average"]
    lines = [
        "# Benchmarks",
        "",
        "<!-- Written by bench/report.py from bench/results.json: edit those, not this page. -->",
        "",
        f"Measured on {figures['date']}: {figures['machine']}. Shared, noisy machines: read the",
        "ratios (measured side by side in one run), not the absolute figures. Reproduce with",
        "`bash scripts/bench.sh` from the template repository.",
        "",
        f"Load average (1 min) at the start and the end of the run: {load[0]:.1f} and {load[1]:.1f}.",
        "",
        *BASELINES,
        "| Measure | Rendered service | Baseline | Ratio | Goal | Met |",
        "| --- | --- | --- | --- | --- | --- |",
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
        *reasons(figures),
        "![Ratios against the baselines, on a log scale, with each goal](img/benchmarks.png)",
        "",
    ]
    if "provenance" in figures:
        lines += [f"Where the figures come from: {figures['provenance']}", ""]
    return "\n".join(lines)


def plot(figures: dict[str, Any], path: Path) -> None:
    """Horizontal bars of each goal's ratio on a log scale, each with its goal marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Ratios span two orders of magnitude (0.17 to 100 and more): on a linear axis the
    # small ones vanish, so the axis is logarithmic.
    items = list(goals(figures).values())
    figure, axes = plt.subplots(figsize=(10, 4.5))
    positions = list(range(len(items)))[::-1]
    colours = ["#55a868" if goal.met else "#c44e52" for goal in items]
    axes.barh(positions, [goal.ratio for goal in items], color=colours, height=0.6)
    axes.scatter(
        [goal.target for goal in items],
        positions,
        color="black",
        marker="|",
        s=600,
        linewidths=2,
        label="goal",
        zorder=3,
    )
    for position, goal in zip(positions, items, strict=True):
        direction = "higher is better" if goal.higher_is_better else "lower is better"
        axes.annotate(
            f"{goal.ratio:.2f} x ({'met' if goal.met else 'missed'}; {direction})",
            (goal.ratio, position),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )
    axes.set_xscale("log")
    smallest = min(min(goal.ratio, goal.target) for goal in items)
    largest = max(max(goal.ratio, goal.target) for goal in items)
    axes.set_xlim(smallest / 2, largest * 12)
    axes.set_yticks(positions, [f"{goal.name}\n(vs {goal.baseline})" for goal in items])
    axes.set_xlabel("ratio to the baseline (log scale; 1 = as fast as the baseline)")
    axes.axvline(1.0, color="grey", linewidth=0.8)
    axes.legend(loc="lower right")
    axes.set_title(f"Rendered service vs baselines ({figures['date']}): green met, red missed")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write(figures: dict[str, Any], page: Path = PAGE, plot_path: Path = PLOT) -> str:
    """The page and the plot from one run's figures; returns the page's text."""
    text = markdown(figures)
    page.write_text(text, encoding="utf-8")
    plot(figures, plot_path)
    return text


def main() -> None:
    results = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS
    write(json.loads(results.read_text(encoding="utf-8")))
    print(f"wrote {PAGE.relative_to(ROOT)} and {PLOT.relative_to(ROOT)} from {results}")


if __name__ == "__main__":
    main()
