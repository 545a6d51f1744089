"""`make bench`: runs every `bench_*.py` module of this folder, prints its Markdown and
writes `docs/performance.md` with the plots beside it.

`python -m bench activation requests` runs only the named modules. A full run writes the
whole document; a partial run replaces only its own sections of an existing document
(and says so in its header), so a quick check never leaves a partial document behind.

A module has `run()` and `markdown(results)`; it may add `plot(results, folder)`, which
writes images into `docs/` and answers their paths.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs"
DOCUMENT = DOCS / "performance.md"
REPRODUCE = "make bench"

ORDER = ("activation", "requests", "cost", "cold_start", "size", "pdf", "pricing", "batch", "fixes")
"""Sections in this order, any other module after them; the modules that share the local
stack run first, together; the batch runs last, in processes of its own."""

TITLES = {
    "activation": "End-to-end activation",
    "requests": "Requests per activation",
    "cost": "Cost of activations on AWS",
    "cold_start": "Cold start: handler imports",
    "size": "Deployment size",
    "pdf": "Invoice PDF rendering",
    "pricing": "Pricing engine",
    "batch": "Batch activation",
    "fixes": "Before and after",
}
SECTION = re.compile(r"<!-- section: (\S+) -->\n(.*?)<!-- /section: \1 -->\n", re.DOTALL)


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _names() -> list[str]:
    found = [path.stem.removeprefix("bench_") for path in HERE.glob("bench_*.py")]
    return [name for name in ORDER if name in found] + sorted(name for name in found if name not in ORDER)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        import psutil

        return f"{psutil.virtual_memory().total / 1024**3:.0f} GiB RAM"
    except ImportError:
        return "RAM unknown"


def machine() -> str:
    return (
        f"{os.cpu_count()} cores ({_cpu_model()}, {platform.machine()}), {_memory()}, "
        f"{platform.system()} {platform.release()}, {platform.python_implementation()} {platform.python_version()}"
    )


def _section(name: str, body: str) -> str:
    title = TITLES.get(name, name.replace("_", " ").capitalize())
    return f"<!-- section: {name} -->\n## {title}\n\n{body.strip()}\n\n<!-- /section: {name} -->\n"


def _load_average() -> str:
    try:
        one_minute = os.getloadavg()[0]
    except OSError:
        return ""
    return f" The load average was {one_minute:.1f} when it started."


def _header(date: str, seconds: float, load: str) -> str:
    lines = [
        "# Performance",
        "",
        "Written by `make bench` (`python -m bench`); reproduce with:",
        "",
        "```sh",
        REPRODUCE,
        "```",
        "",
        f"Measured on {date} on {machine()}; the full run took {seconds / 60:.1f} minutes.{load}",
        "Every figure stands next to a baseline measured in the same run, and the ratio between them.",
        "`python -m bench activation requests` reruns named sections only.",
    ]
    return "\n".join(lines) + "\n\n"


def _write_full(sections: dict[str, str], date: str, seconds: float, load: str) -> None:
    DOCUMENT.write_text(_header(date, seconds, load) + "\n".join(sections.values()))


def _merge(sections: dict[str, str], date: str, load: str) -> bool:
    """Replaces the given sections of the existing document; False if there is none to merge into."""
    if not DOCUMENT.exists():
        return False
    text = DOCUMENT.read_text()
    existing = {match.group(1): match.group(0) for match in SECTION.finditer(text)}
    if not existing:
        return False

    header = text[: text.index("<!-- section: ")]
    remeasured = f"Sections measured again on {date}: {', '.join(sections)}.{load}\n"
    header = header.rstrip("\n") + "\n" + remeasured + "\n"
    merged = existing | sections
    ordered = [name for name in _names() if name in merged] + [name for name in merged if name not in _names()]
    DOCUMENT.write_text(header + "\n".join(merged[name] for name in ordered))
    return True


def main() -> int:
    only = set(sys.argv[1:])
    names = _names()
    unknown = only - set(names)
    if unknown:
        print(f"no such benchmark: {', '.join(sorted(unknown))} (have: {', '.join(names)})", file=sys.stderr)
        return 2

    started, load = time.perf_counter(), _load_average()
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# Benchmarks\n\n{machine()}\n")
    DOCS.mkdir(exist_ok=True)

    sections: dict[str, str] = {}
    for name in names:
        if only and name not in only:
            continue
        module = _load(HERE / f"bench_{name}.py")
        results: Any = module.run()
        if hasattr(module, "plot"):
            module.plot(results, DOCS)
        body = module.markdown(results)
        print(f"## {name}\n\n{body}\n", flush=True)
        sections[name] = _section(name, body)

    seconds = time.perf_counter() - started
    if not only or set(names) <= only:
        _write_full(sections, date, seconds, load)
        print(f"Wrote {DOCUMENT.relative_to(HERE.parent)} in {seconds / 60:.1f} minutes.")
    elif _merge(sections, date, load):
        print(f"Replaced {', '.join(sections)} in {DOCUMENT.relative_to(HERE.parent)}.")
    else:
        print(f"Partial run: {DOCUMENT.relative_to(HERE.parent)} is written by a full `{REPRODUCE}` only.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
