"""Benchmark: cold-start import time of each Lambda handler against `import boto3` alone.

Each handler module (`functions/<name>/app.py`) is imported in a fresh interpreter laid
out as on Lambda: the function's folder as the working directory and first on
`sys.path`, then the shared layer's `python/` folder, with the function's environment
from the template and `AWS_LAMBDA_FUNCTION_NAME` set (so Powertools' Tracer is on, as it
is on AWS). Nothing writes `.pyc` files: the layer's own package is compiled on every
import, as on Lambda, whose layer folder is read-only and gets no `.pyc` from the build;
installed libraries use the `.pyc` pip wrote. The child times only the import, not the interpreter's own start, and says
whether `stripe` and `fpdf` were imported and through which modules. The baseline is
`import boto3` in the same kind of fresh interpreter, the floor every handler pays.

Medians of 3 imports per handler and 5 of the baseline, interleaved.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "layers" / "shared" / "python"
ROUNDS = 3
BASELINE_EXTRA_ROUNDS = 2
WATCHED = ("stripe", "fpdf")

MAY_IMPORT = {
    "stripe": {
        "collect_payment": "charges the card",
        "stripe_webhook": "verifies Stripe's signature",
        "activate_invoice": "creates the payment link",
        "sync_connected_systems": "records objects in Stripe when it is the hub",
        "fail_activation": "refunds a collected charge",
        "invoices": "activating a DRAFT creates its payment link",
    },
    "fpdf": {
        "render_invoice_pdf": "renders the PDF",
        "invoices": "renders the PDF of an invoice it activates",
    },
}
"""Handlers with a reason to load the library; any other handler that loads it pays for nothing."""

CHILD = r"""
import importlib, importlib.abc, json, sys, time

target, paths, watched = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3].split(",")
sys.path[:0] = paths
chains = {}


class Watch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name in watched and name not in chains:
            frame, importers = sys._getframe(1), []
            while frame is not None:
                module = frame.f_globals.get("__name__", "")
                if (module == "app" or module.startswith("order_activation")) and module not in importers:
                    importers.append(module)
                frame = frame.f_back
            chains[name] = list(reversed(importers))
        return None


sys.meta_path.insert(0, Watch())
started = time.perf_counter()
for name in target.split("+"):
    importlib.import_module(name)
seconds = time.perf_counter() - started
loaded = {name: name in sys.modules for name in watched}
print(json.dumps({"seconds": seconds, "loaded": loaded, "chains": chains, "modules": len(sys.modules)}))
"""


def handler_environments() -> dict[str, dict[str, str]]:
    """Each function's folder name and environment, from the template."""
    from local_runtime.lambdas import FunctionRegistry
    from local_runtime.template import LocalNames, load_template

    registry = FunctionRegistry(LocalNames(load_template()))
    handlers = {}
    for logical_id, function in registry.functions.items():
        folder = Path(function.module_path).parent
        handlers[folder.name] = function.environment | {"AWS_LAMBDA_FUNCTION_NAME": logical_id}
    return dict(sorted(handlers.items()))


def fresh_import(target: str, folder: Path, environment: dict[str, str], layer: Path = LAYER) -> dict[str, Any]:
    paths = [str(folder), str(layer)] if target == "app" else []
    # The layer's folder comes first on Lambda; here the project's virtualenv follows it.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "PYTHONDONTWRITEBYTECODE": "1",
    } | environment
    env = {key: value for key, value in env.items() if value}
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, target, json.dumps(paths), ",".join(WATCHED)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"importing {target} in {folder.name} failed: {completed.stderr[-800:]}")
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def run() -> dict[str, Any]:
    handlers = handler_environments()
    baseline: list[float] = []
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in handlers}
    reference_runs: dict[str, list[float]] = {library: [] for library in WATCHED}
    anywhere = ROOT / "functions" / next(iter(handlers))

    for _ in range(BASELINE_EXTRA_ROUNDS):
        baseline.append(fresh_import("boto3", anywhere, {})["seconds"])
    for _ in range(ROUNDS):
        baseline.append(fresh_import("boto3", anywhere, {})["seconds"])
        for library in WATCHED:
            reference_runs[library].append(fresh_import(f"boto3+{library}", anywhere, {})["seconds"])
        for name, environment in handlers.items():
            samples[name].append(fresh_import("app", ROOT / "functions" / name, environment))

    baseline_ms = statistics.median(baseline) * 1000
    references = {library: statistics.median(runs) * 1000 - baseline_ms for library, runs in reference_runs.items()}
    rows = []
    for name, runs in samples.items():
        median_ms = statistics.median(run["seconds"] for run in runs) * 1000
        last = runs[-1]
        rows.append(
            {
                "handler": name,
                "median_ms": median_ms,
                "ratio": median_ms / baseline_ms,
                "loaded": last["loaded"],
                "chains": last["chains"],
                "modules": last["modules"],
            }
        )
    return {"baseline_ms": baseline_ms, "baseline_runs": len(baseline), "rows": rows, "references": references}


def needless(row: dict[str, Any]) -> list[str]:
    """The watched libraries this handler loads without a reason."""
    return [library for library in WATCHED if row["loaded"][library] and row["handler"] not in MAY_IMPORT[library]]


def markdown(results: dict[str, Any]) -> str:
    rows = [
        f"Median import time of each handler module in a fresh interpreter ({ROUNDS} runs each), against",
        f"`import boto3` alone ({results['baseline_runs']} runs): **{results['baseline_ms']:.0f} ms**. Python "
        f"{sys.version.split()[0]} on this machine; Lambda runs 3.13 on arm64 with a share of a vCPU in",
        "proportion to memory (512 MB is about 0.29 vCPU), so expect these times several times over there.",
        "",
        "| handler | import ms | ratio to boto3 | modules | imports stripe | imports fpdf |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for row in results["rows"]:
        marks = []
        for library in WATCHED:
            loaded = row["loaded"][library]
            reason = MAY_IMPORT[library].get(row["handler"])
            marks.append("yes" if loaded and reason else "**yes, needlessly**" if loaded else "no")
        rows.append(
            f"| {row['handler']} | {row['median_ms']:.0f} | {row['ratio']:.1f}x | {row['modules']} | "
            + " | ".join(marks)
            + " |"
        )

    findings = []
    for row in results["rows"]:
        for library in needless(row):
            chain = " → ".join(row["chains"].get(library, [])) or "(not traced)"
            findings.append(f"- `{row['handler']}` imports `{library}` through {chain}")
    if findings:
        rows += ["", "Needless imports (the first module to import the library, outermost first):", "", *findings]
    else:
        rows += ["", "No handler imports `stripe` or `fpdf` without a use for it."]

    rows += ["", "What it means:", "", *_meaning(results)]
    return "\n".join(rows)


def _meaning(results: dict[str, Any]) -> list[str]:
    references = results["references"]
    by_handler = {row["handler"]: row for row in results["rows"]}
    steps = [row["median_ms"] for name, row in by_handler.items() if name not in ("api", "authorizer", "invoices")]
    slowest = max(results["rows"], key=lambda row: row["median_ms"])
    return [
        f"- On top of boto3, importing `stripe` costs {references['stripe']:.0f} ms and `fpdf` (with fontTools and"
        f" Pillow) {references['fpdf']:.0f} ms here. A handler that imports one it does not use pays that on every"
        " cold start; the PDF renderer is already imported only when a PDF is drawn.",
        f"- The step handlers import in {min(steps):.0f} to {max(steps):.0f} ms, {slowest['handler']} is the"
        f" slowest at {slowest['median_ms']:.0f} ms ({slowest['ratio']:.1f}x boto3). Most of it is pydantic"
        " models, Powertools (Tracer loads the X-Ray SDK) and the domain package, which every step function"
        " loads whole because `activation/steps.py` holds all the steps.",
        "- Lambda counts this in the init phase of each new sandbox; at 512 MB a function gets about a third of"
        " a vCPU, so a cold start's imports take roughly three times as long there as here.",
    ]


if __name__ == "__main__":
    print(markdown(run()))
