"""Benchmark: deployment size of the shared layer and of each function, against Lambda's limits.

The layer is built the way its Makefile builds it (`pip install --target python/`, then
the domain package copied beside), here for the functions' platform (Python 3.13 on
arm64, wheels only) without compiling `.pyc` files; if pip cannot resolve wheels for
that platform, the dependencies are installed for this machine instead and the document
says so. Two dependency lists are measured: the project's runtime dependencies
(`[project].dependencies` of pyproject.toml), and `layers/shared/requirements.txt`, which
is what the Makefile installs (without boto3, which the Lambda runtime provides). Each
install is kept under the temporary folder, keyed by its dependency list, so a repeat run
only measures.

Sizes are the bytes of the files (no `__pycache__`), and the size of a deflate zip of
them, as SAM uploads them. The limits: 250 MB unzipped for a function and all its layers,
50 MB zipped for a direct upload.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "layers" / "shared" / "python" / "order_activation"
REQUIREMENTS = ROOT / "layers" / "shared" / "requirements.txt"
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


def _install(requirements: list[str]) -> tuple[Path, str]:
    """The dependencies installed into a cached folder; answers it and the platform used."""
    for platform_arguments, described in ((LAMBDA_PLATFORM, "Python 3.13, arm64"), ([], "this machine")):
        key = hashlib.sha256(json.dumps([requirements, platform_arguments]).encode()).hexdigest()[:16]
        target = CACHE / key
        if (target / ".complete").exists():
            return target, described

        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
        command += ["--target", str(target), "--upgrade", *platform_arguments]
        command += ["--only-binary=:all:"] if platform_arguments else []
        completed = subprocess.run([*command, *requirements], capture_output=True, text=True, check=False)
        if completed.returncode == 0:
            (target / ".complete").write_text(described)
            return target, described
    raise RuntimeError(f"pip could not install {requirements}: {completed.stderr[-800:]}")


def _files(folder: Path) -> list[Path]:
    return [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.name != ".complete"
    ]


def _measure(folder: Path, prefix: str = "") -> dict[str, int]:
    """Files, their bytes, and the bytes of a deflate zip of them under `prefix`."""
    files = _files(folder)
    with tempfile.TemporaryDirectory() as scratch:
        archive = Path(scratch) / "part.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in files:
                bundle.write(path, prefix + path.relative_to(folder).as_posix())
        zipped = archive.stat().st_size
    return {"files": len(files), "bytes": sum(path.stat().st_size for path in files), "zipped": zipped}


def _measure_cached(folder: Path) -> dict[str, int]:
    """An installed dependency folder never changes, so its measure is kept beside it."""
    saved = folder.with_suffix(".json")
    if saved.exists():
        return dict(json.loads(saved.read_text()))
    measured = _measure(folder, "python/")
    saved.write_text(json.dumps(measured))
    return measured


def _largest(folder: Path, count: int = 6) -> list[tuple[str, int]]:
    sizes: dict[str, int] = {}
    for path in _files(folder):
        top = path.relative_to(folder).parts[0]
        if top.endswith(".dist-info"):
            continue
        sizes[top] = sizes.get(top, 0) + path.stat().st_size
    return sorted(sizes.items(), key=lambda item: -item[1])[:count]


def run() -> dict[str, Any]:
    CACHE.mkdir(parents=True, exist_ok=True)
    package = _measure(PACKAGE, "python/order_activation/")
    layers = {}
    for name, requirements in (("project", _project_dependencies()), ("makefile", _layer_requirements())):
        folder, described = _install(requirements)
        dependencies = _measure_cached(folder)
        provided = sum(
            path.stat().st_size for top in RUNTIME_PROVIDED if (folder / top).exists() for path in _files(folder / top)
        )
        layers[name] = {
            "compiled": sorted({path.relative_to(folder).parts[0] for path in folder.rglob("*.so")}),
            "platform": described,
            "dependencies": dependencies,
            "provided_by_runtime": provided,
            "layer_bytes": dependencies["bytes"] + package["bytes"],
            "layer_zipped": dependencies["zipped"] + package["zipped"],
            "largest": _largest(folder),
            "locale_files": len(list((folder / "babel" / "locale-data").glob("*.dat"))),
            "locale_bytes": sum(path.stat().st_size for path in (folder / "babel" / "locale-data").glob("*.dat")),
        }

    functions = {folder.name: _measure(folder) for folder in sorted((ROOT / "functions").iterdir()) if folder.is_dir()}
    return {"package": package, "layers": layers, "functions": functions}


def _mb(size: int) -> str:
    return f"{size / MB:.1f}"


def markdown(results: dict[str, Any]) -> str:
    package, layers, functions = results["package"], results["layers"], results["functions"]
    project, makefile = layers["project"], layers["makefile"]
    largest_function = max(functions.values(), key=lambda sizes: sizes["bytes"])
    rows = [
        f"Dependencies installed for {project['platform']} (wheels only, no `.pyc`); sizes in MB"
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
        ("`layers/shared/requirements.txt` (what the Makefile installs)", makefile),
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
    """The Makefile's pip installs for the building machine, which is not always the functions' platform."""
    if platform.machine() in ("aarch64", "arm64") or not layer["compiled"]:
        return []
    compiled = ", ".join(layer["compiled"])
    return [
        "- `layers/shared/Makefile` runs `python -m pip install --target` without platform options, so it"
        f" installs wheels for the machine that builds. On this {platform.machine()} machine the layer would get"
        f" {platform.machine()} builds of the compiled packages ({compiled}), which the arm64 functions cannot"
        " load. The install measured here passes `--platform manylinux2014_aarch64 --implementation cp"
        " --python-version 3.13 --only-binary=:all:`, which the Makefile needs as well.",
    ]


if __name__ == "__main__":
    os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    print(markdown(run()))
