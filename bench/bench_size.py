"""Benchmark: deployment size of the shared layer and of each function, against Lambda's limits.

The layer that deploys is built by its own Makefile (`layers/shared/Makefile`, the target
`sam build` calls), so what is measured is what ships; the run stops with an error if any
compiled module in it is not an arm64 build for CPython 3.13, the functions' platform. For
comparison the project's runtime dependencies (`[project].dependencies` of pyproject.toml)
are installed the same way. Each build is kept under the temporary folder, keyed by what
it was built from, so a repeat run only measures.

Sizes are the bytes of the files (no `__pycache__`), and the size of a deflate zip of
them, as SAM uploads them. The limits: 250 MB unzipped for a function and all its layers,
50 MB zipped for a direct upload.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "layers" / "shared" / "python" / "order_activation"
LAYER = ROOT / "layers" / "shared"
REQUIREMENTS = LAYER / "requirements.txt"
CACHE = Path(tempfile.gettempdir()) / "order-activation-bench-size"
MB = 1_000_000
UNZIPPED_LIMIT = 250 * 1024 * 1024
ZIPPED_LIMIT = 50 * 1024 * 1024
LAMBDA_PLATFORM = ["--platform", "manylinux2014_aarch64", "--implementation", "cp", "--python-version", "3.13"]
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")


def _project_dependencies() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return list(tomllib.load(handle)["project"]["dependencies"])


def _layer_requirements() -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in REQUIREMENTS.read_text().splitlines())
    return [line for line in lines if line]


def _install(requirements: list[str]) -> Path:
    """The dependencies installed for the functions' platform into a cached folder."""
    key = hashlib.sha256(json.dumps([requirements, LAMBDA_PLATFORM]).encode()).hexdigest()[:16]
    target = CACHE / key
    if (target / ".complete").exists():
        return target

    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--only-binary=:all:"]
    command += ["--target", str(target), "--upgrade", *LAMBDA_PLATFORM, *requirements]
    subprocess.run(command, capture_output=True, text=True, check=True)
    (target / ".complete").write_text("")
    return target


def build_layer(layer: Path = LAYER, environment: dict[str, str] | None = None) -> Path:
    """The layer as `sam build` builds it: the target of `layer`'s Makefile, run into a cached
    folder keyed by the Makefile and the requirements it installs."""
    sources = (layer / "Makefile").read_bytes() + (layer / "requirements.txt").read_bytes()
    artifacts = CACHE / f"layer-{hashlib.sha256(sources).hexdigest()[:16]}"
    if (artifacts / ".complete").exists():
        return artifacts / "python"

    shutil.rmtree(artifacts, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    command = ["make", "-C", str(layer), "build-SharedLayer", f"ARTIFACTS_DIR={artifacts}", f"PYTHON={sys.executable}"]
    subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    (artifacts / ".complete").write_text("")
    return artifacts / "python"


def compiled_for(folder: Path) -> dict[str, list[str]]:
    """Each compiled module's machine, read from its ELF header, with its CPython tag."""
    machines = {0xB7: "aarch64", 0x3E: "x86_64"}
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.so")):
        header = path.read_bytes()[:20]
        machine = machines.get(int.from_bytes(header[18:20], "little"), "other")
        found.setdefault(machine, []).append(path.name)
    return found


def _files(folder: Path, skip: str = "") -> list[Path]:
    return [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.name != ".complete"
        and path.relative_to(folder).parts[0] != skip
    ]


def _measure(folder: Path, prefix: str = "", skip: str = "") -> dict[str, int]:
    """Files, their bytes, and the bytes of a deflate zip of them under `prefix`."""
    files = _files(folder, skip)
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "part.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in files:
                bundle.write(path, prefix + path.relative_to(folder).as_posix())
        zipped = archive.stat().st_size
    return {"files": len(files), "bytes": sum(path.stat().st_size for path in files), "zipped": zipped}


def _measure_cached(folder: Path) -> dict[str, int]:
    """A built dependency folder never changes, so its measure is kept beside it."""
    saved = folder.with_suffix(".json")
    if saved.exists():
        return dict(json.loads(saved.read_text()))
    measured = _measure(folder, "python/", skip=PACKAGE.name)
    saved.write_text(json.dumps(measured))
    return measured


def _largest(folder: Path, count: int = 6) -> list[tuple[str, int]]:
    sizes: dict[str, int] = {}
    for path in _files(folder):
        top = path.relative_to(folder).parts[0]
        if top.endswith(".dist-info") or top == PACKAGE.name:
            continue
        sizes[top] = sizes.get(top, 0) + path.stat().st_size
    return sorted(sizes.items(), key=lambda item: -item[1])[:count]


def run() -> dict[str, Any]:
    CACHE.mkdir(parents=True, exist_ok=True)
    package = _measure(PACKAGE, "python/order_activation/")

    built = build_layer()
    compiled = compiled_for(built)
    loadable = set(compiled) == {"aarch64"} and all(
        "cpython-313" in name or ".abi3." in name for name in compiled["aarch64"]
    )
    if not loadable:
        raise AssertionError(f"the layer holds compiled modules arm64 Python 3.13 cannot load: {compiled}")

    layers = {
        "project": _layer(_install(_project_dependencies()), package),
        "makefile": _layer(built, package) | {"compiled": compiled},
    }
    functions = {folder.name: _measure(folder) for folder in sorted((ROOT / "functions").iterdir()) if folder.is_dir()}
    return {"package": package, "layers": layers, "functions": functions}


def _layer(folder: Path, package: dict[str, int]) -> dict[str, Any]:
    """A layer's dependencies in `folder`, measured, with the domain package beside them."""
    dependencies = _measure_cached(folder)
    provided = sum(
        path.stat().st_size for top in RUNTIME_PROVIDED if (folder / top).exists() for path in _files(folder / top)
    )
    locale_data = list((folder / "babel" / "locale-data").glob("*.dat"))
    return {
        "dependencies": dependencies,
        "provided_by_runtime": provided,
        "layer_bytes": dependencies["bytes"] + package["bytes"],
        "layer_zipped": dependencies["zipped"] + package["zipped"],
        "largest": _largest(folder),
        "locale_files": len(locale_data),
        "locale_bytes": sum(path.stat().st_size for path in locale_data),
    }


def _mb(size: int) -> str:
    return f"{size / MB:.1f}"


def markdown(results: dict[str, Any]) -> str:
    package, layers, functions = results["package"], results["layers"], results["functions"]
    project, makefile = layers["project"], layers["makefile"]
    largest_function = max(functions.values(), key=lambda sizes: sizes["bytes"])
    rows = [
        "Dependencies installed for Python 3.13 on arm64 (wheels only, no `.pyc`); sizes in MB"
        " (10^6 bytes); limits are 250 MiB unzipped (function and layers together) and 50 MiB zipped",
        "(direct upload).",
        "",
        "| part | files | unzipped MB | zipped MB | unzipped / 250 MiB | zipped / 50 MiB |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]

    def row(label: str, files: int, size: int, zipped: int) -> str:
        return (
            f"| {label} | {files} | {_mb(size)} | {_mb(zipped)} | {size / UNZIPPED_LIMIT:.0%}"
            f" | {zipped / ZIPPED_LIMIT:.0%} |"
        )

    rows.append(
        row("`order_activation` package (code and fonts)", package["files"], package["bytes"], package["zipped"])
    )
    for label, layer in (
        ("`[project].dependencies` of pyproject.toml", project),
        ("`layers/shared/requirements.txt`, built by `layers/shared/Makefile`", makefile),
    ):
        dependencies = layer["dependencies"]
        rows.append(row(f"dependencies: {label}", dependencies["files"], dependencies["bytes"], dependencies["zipped"]))
        files = dependencies["files"] + package["files"]
        rows.append(row(f"**layer** with {label}", files, layer["layer_bytes"], layer["layer_zipped"]))
    rows.append(
        row(
            "**largest function + layer** (Makefile's)",
            largest_function["files"] + makefile["dependencies"]["files"] + package["files"],
            largest_function["bytes"] + makefile["layer_bytes"],
            largest_function["zipped"] + makefile["layer_zipped"],
        )
    )

    largest = ", ".join(f"{name} {_mb(size)}" for name, size in project["largest"])
    rows += [
        "",
        f"Largest installed packages (MB): {largest}. boto3, botocore and s3transfer, which the Lambda",
        f"runtime already provides, account for {_mb(project['provided_by_runtime'])} MB of the pyproject list.",
        "",
        "Function folders (each is deployed on its own, with the layer):",
        "",
        "| function | files | bytes | zipped bytes |",
        "| --- | ---: | ---: | ---: |",
    ]
    rows += [
        f"| {name} | {sizes['files']} | {sizes['bytes']:,} | {sizes['zipped']:,} |" for name, sizes in functions.items()
    ]
    rows += ["", "What it means:", "", *_meaning(results)]
    return "\n".join(rows)


def _meaning(results: dict[str, Any]) -> list[str]:
    makefile, package = results["layers"]["makefile"], results["package"]
    largest = dict(makefile["largest"])
    zipped_share = makefile["layer_zipped"] / ZIPPED_LIMIT
    upload = (
        "too large for a direct upload, so the layer must go through S3 (as `sam deploy` does: it uploads"
        " artifacts to its S3 bucket); the console or a plain `aws lambda publish-layer-version --zip-file`"
        " would refuse it"
        if zipped_share > 1
        else "still small enough for a direct upload"
    )
    babel = largest.get("babel", 0)
    return [
        f"- Unzipped, a function with its layer uses {makefile['layer_bytes'] / UNZIPPED_LIMIT:.0%} of the"
        f" 250 MiB limit: room for now. Zipped, the layer is {_mb(makefile['layer_zipped'])} MB,"
        f" {zipped_share:.0%} of 50 MiB: {upload}.",
        f"- babel alone is {_mb(babel)} MB, {_mb(makefile['locale_bytes'])} MB of it the data of"
        f" {makefile['locale_files']} locales, while the invoice renderer formats every amount in `en_US`"
        " (`invoice_pdf.py`), which needs three of those files (root, en, en_US). fontTools and Pillow come with"
        f" fpdf2. The package's own {_mb(package['bytes'])} MB are mostly the invoice fonts.",
        "- The function folders are a few hundred bytes each: every function's code is in the layer, so a"
        " change to the domain package is a new layer version for all of them.",
        *_platform_warning(makefile),
    ]


def _platform_warning(layer: dict[str, Any]) -> list[str]:
    """What the layer's compiled modules were built for, as read from their ELF headers."""
    modules = layer["compiled"]["aarch64"]
    return [
        f"- The layer the Makefile builds holds {len(modules)} compiled modules, every one an arm64 (aarch64)"
        " build for CPython 3.13 or its stable ABI, whatever machine builds it: the Makefile asks pip for"
        " `manylinux2014_aarch64` wheels for Python 3.13 and compiles no bytecode.",
    ]


if __name__ == "__main__":
    os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    print(markdown(run()))
