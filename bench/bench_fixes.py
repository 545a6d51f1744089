"""Benchmark: figures the other benchmarks exposed, measured before and after their fixes.

Each fix names the last commit before it. That commit's files are taken out of git
(`git archive`) into a temporary folder and measured beside the working tree's, in the
same run and the same way as the benchmark that exposed the figure:

- Handlers that never call Stripe loaded the Stripe SDK on every cold start, through
  the activation steps' module and the API's webhook route (`cold_start`).
- The layer's Makefile installed wheels for the machine that builds, not for the
  functions' arm64 Python 3.13 (`size`).
- Every step read its activation, then recorded the step on it: two requests where
  one answers both, and a change order read the entitlements it ended again, apart
  from the activation (`requests`). Both versions run in processes of their own, each
  on a fresh local stack.
- moto listed every model object it made, for its dashboard, so the local runtime's
  memory grew with every transaction's undo snapshot (`batch`). Both versions of the
  local runtime run the same batch, each in a process of its own.
"""

from __future__ import annotations

import io
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench import bench_cold_start, bench_size

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 3

STRIPE_IMPORTS = "eb3f60b"
"""The last commit whose step and API handlers imported the Stripe SDK when they loaded."""

STEP_READS = "c4c2b24"
"""The last commit whose steps read the activation apart from recording the step."""

LAYER_PLATFORM = "c6f7552"
"""The last commit whose layer Makefile installed wheels for the building machine."""

MODEL_RECORDS = "3cb0c48"
"""The last commit whose local runtime let moto keep every model it made."""

BATCH_ORDERS = 300

BATCH_CHILD = """
import json, sys
import local_runtime
from bench import batch_run
result = batch_run.main(int(sys.argv[1]))
print(json.dumps(result | {"runtime": local_runtime.__file__}))
"""

STEPS_WITHOUT_STRIPE = (
    "lock_order",
    "finalize_pricing",
    "apply_subscriptions",
    "grant_assets_and_entitlements",
    "create_invoice",
    "render_invoice_pdf",
    "complete_activation",
    "record_rejection",
    "validate_activation",
    "api",
)
"""Handlers that never call Stripe, so never need its SDK."""


def _checkout(commit: str, paths: list[str], into: Path) -> Path:
    """The files of `paths` as they were at `commit`, written under `into`."""
    archive = subprocess.run(["git", "archive", commit, *paths], cwd=ROOT, capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def _cold_starts(before: Path) -> list[dict[str, Any]]:
    environments = bench_cold_start.handler_environments()
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {
        name: {"before": [], "after": []} for name in STEPS_WITHOUT_STRIPE
    }
    trees = {"before": before, "after": ROOT}

    for _ in range(ROUNDS):
        for name in STEPS_WITHOUT_STRIPE:
            for when, tree in trees.items():
                layer = tree / "layers" / "shared" / "python"
                imported = bench_cold_start.fresh_import("app", tree / "functions" / name, environments[name], layer)
                samples[name][when].append(imported)

    rows = []
    for name, runs in samples.items():
        row: dict[str, Any] = {"handler": name}
        for when, imports in runs.items():
            row[f"{when}_ms"] = statistics.median(run["seconds"] for run in imports) * 1000
            row[f"{when}_stripe"] = imports[-1]["loaded"]["stripe"]
        rows.append(row)
    return rows


REQUESTS_CHILD = """
import json
import order_activation
from bench.activation_work import requests_by_operation
print(json.dumps({"package": order_activation.__file__, "requests": requests_by_operation()}))
"""


def _in_child(code: str, paths: list[Path], cwd: Path, *arguments: str) -> dict[str, Any]:
    """Runs `code` in a fresh interpreter with `paths` first on its import path; answers the
    JSON object it printed last."""
    environment = os.environ | {"PYTHONPATH": os.pathsep.join(str(path) for path in paths)}
    command = [sys.executable, "-c", code, *arguments]
    completed = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, check=True)
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def _requests(before: Path) -> dict[str, dict[str, dict[str, int]]]:
    """Requests by operation with the layer package at `before`, and with this tree's."""
    package = before / "layers" / "shared" / "python"
    counted = {}
    for when, paths in (("before", [package, ROOT]), ("after", [ROOT])):
        answer = _in_child(REQUESTS_CHILD, paths, ROOT)
        if (when == "before") != answer["package"].startswith(str(package)):
            raise AssertionError(f"the {when} run loaded the wrong package: {answer['package']}")
        counted[when] = answer["requests"]
    return counted


def _batches(before: Path) -> dict[str, dict[str, Any]]:
    """The same batch on the local runtime at `before`, and on this tree's."""
    for shared in ("template.yaml", "statemachine", "functions", "layers"):
        (before / shared).symlink_to(ROOT / shared)

    ran = {}
    for when, tree in (("before", before), ("after", ROOT)):
        answer = _in_child(BATCH_CHILD, [tree, ROOT], tree, str(BATCH_ORDERS))
        if not answer["runtime"].startswith(str(tree)) or answer["counts"] != [BATCH_ORDERS - 3, 3, 0]:
            raise AssertionError(f"the {when} batch ran wrong: {answer}")
        ran[when] = answer
    return ran


def _layer_builds(before: Path) -> dict[str, Counter[str]]:
    """What each Makefile's layer compiled its modules for: machine and Python."""
    old_layer = before / "layers" / "shared"
    (old_layer / "requirements.txt").write_bytes(bench_size.REQUIREMENTS.read_bytes())
    (old_layer / "python").symlink_to(bench_size.LAYER / "python")

    # The former Makefile calls `python`: the one this benchmark runs on.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    built = {
        "before": bench_size.build_layer(old_layer, os.environ | {"PATH": path}),
        "after": bench_size.build_layer(),
    }
    return {when: _platforms(folder) for when, folder in built.items()}


def _platforms(folder: Path) -> Counter[str]:
    found: Counter[str] = Counter()
    for machine, names in bench_size.compiled_for(folder).items():
        for name in names:
            tag = re.search(r"\.(cpython-\d+|abi3)", name)
            found[f"{machine} {tag.group(1) if tag else 'untagged'}"] += 1
    return found


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        stripe_tree = _checkout(STRIPE_IMPORTS, ["layers/shared/python", "functions"], Path(scratch) / "stripe")
        layer_tree = _checkout(LAYER_PLATFORM, ["layers/shared/Makefile"], Path(scratch) / "layer")
        reads_tree = _checkout(STEP_READS, ["layers/shared/python"], Path(scratch) / "reads")
        runtime_tree = _checkout(MODEL_RECORDS, ["local_runtime"], Path(scratch) / "runtime")
        return {
            "cold_starts": _cold_starts(stripe_tree),
            "layers": _layer_builds(layer_tree),
            "requests": _requests(reads_tree),
            "batches": _batches(runtime_tree),
        }


def markdown(results: dict[str, Any]) -> str:
    rows = [
        "### Handlers load the Stripe SDK only where they call Stripe",
        "",
        f"Import time of handlers that never call Stripe, in a fresh interpreter as in `cold_start`"
        f" (median of {ROUNDS}, interleaved), at `{STRIPE_IMPORTS}` (before) and in this tree (after):",
        "",
        "| handler | before ms | loads stripe | after ms | loads stripe | after / before |",
        "| --- | ---: | --- | ---: | --- | ---: |",
    ]
    for row in results["cold_starts"]:
        rows.append(
            f"| {row['handler']} | {row['before_ms']:.0f} | {_yes(row['before_stripe'])} | {row['after_ms']:.0f}"
            f" | {_yes(row['after_stripe'])} | {row['after_ms'] / row['before_ms']:.2f}x |"
        )
    saved = [row["before_ms"] - row["after_ms"] for row in results["cold_starts"]]
    rows += [
        "",
        f"A median {statistics.median(saved):.0f} ms less per cold start of each of these functions here.",
        "",
        "### The layer is built for the functions' platform",
        "",
        f"Compiled modules of the layer each Makefile builds on this {platform.machine()} machine, by the"
        " machine and Python they were built for (read from their ELF headers and file names); the"
        " functions run CPython 3.13 on arm64 (aarch64):",
        "",
        "| Makefile | compiled modules |",
        "| --- | --- |",
    ]
    for when, commit in (("before", f"at `{LAYER_PLATFORM}`"), ("after", "in this tree")):
        found = results["layers"][when]
        listed = "; ".join(f"{count} {built_for}" for built_for, count in found.most_common())
        rows.append(f"| {when}, {commit} | {listed} |")
    rows += [
        "",
        "Before, a layer built on an x86_64 machine held modules no arm64 Python 3.13 can load, pydantic's core"
        " among them, which every function imports; after, every compiled module is an aarch64 build"
        " for CPython 3.13 or its stable ABI, whichever machine builds.",
        "",
        *_requests_markdown(results["requests"]),
        "",
        *_batches_markdown(results["batches"]),
    ]
    return "\n".join(rows)


def _requests_markdown(requests: dict[str, dict[str, dict[str, int]]]) -> list[str]:
    before, after = requests["before"], requests["after"]
    rows = [
        "### Each step reads its activation in the request that records its step",
        "",
        f"Requests of one activation and of two change orders (as in `requests`), at `{STEP_READS}` (before)"
        " and in this tree (after), each in a process of its own on a fresh local stack; only the operations"
        " whose count changed:",
        "",
        "| work | request | before | after |",
        "| --- | --- | ---: | ---: |",
    ]
    for work, counted in before.items():
        operations = sorted(set(counted) | set(after[work]))
        for operation in operations:
            was, now = counted.get(operation, 0), after[work].get(operation, 0)
            if was != now:
                rows.append(f"| {work} | {operation} | {was} | {now} |")
        rows.append(f"| {work} | **all requests** | {sum(counted.values())} | {sum(after[work].values())} |")
    return rows


def _batches_markdown(batches: dict[str, dict[str, Any]]) -> list[str]:
    before, after = batches["before"], batches["after"]
    rows = [
        "### The local runtime keeps no record of every moto model",
        "",
        f"One batch of {BATCH_ORDERS} orders (as in `batch`) on the local runtime at `{MODEL_RECORDS}` (before)"
        " and in this tree (after), each in a process of its own on a fresh local stack:",
        "",
        "| local runtime | process peak RSS | orders/s |",
        "| --- | ---: | ---: |",
    ]
    for when, ran in (("before", before), ("after", after)):
        rows.append(f"| {when} | {ran['process_peak_rss_mib']:.0f} MiB | {ran['orders_per_second']:.2f} |")
    ratio = after["process_peak_rss_mib"] / before["process_peak_rss_mib"]
    rows += [
        "",
        f"After / before: {ratio:.2f}x the memory. Every transaction's undo snapshot is a new moto table; moto"
        " listed each one, with references to every item of its time, for a dashboard the local runtime never"
        " serves.",
    ]
    return rows


def _yes(loaded: bool) -> str:
    return "yes" if loaded else "no"


if __name__ == "__main__":
    print(markdown(run()))
