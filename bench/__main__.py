"""`make bench`: runs every `bench_*.py` module of this folder and prints its Markdown table."""

import importlib.util
import platform
import sys
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    only = set(sys.argv[1:])
    print(
        f"# Benchmarks\n\nMachine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.system()}\n"
    )

    for path in sorted(HERE.glob("bench_*.py")):
        if only and path.stem.removeprefix("bench_") not in only:
            continue
        module = _load(path)
        print(f"## {path.stem.removeprefix('bench_')}\n")
        print(module.markdown(module.run()))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
