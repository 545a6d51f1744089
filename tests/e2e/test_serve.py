"""`make serve`: the local runtime as its own process, announcing when it answers."""

import os
import socket
import subprocess
import sys
import time

import requests


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_prints_ready_and_answers_the_contract() -> None:
    # GIVEN the local runtime started as `make serve` starts it, with its own keys
    port = _free_port()
    environment = os.environ | {"PORT": str(port), "LOCAL_API_KEYS": "acme=acme-key,globex=globex-key"}
    process = subprocess.Popen(
        [sys.executable, "-m", "local_runtime.serve"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # WHEN it has printed its ready line
        deadline = time.monotonic() + 60
        line = ""
        while "ready" not in line and time.monotonic() < deadline:
            line = process.stdout.readline() if process.stdout else ""
        assert "ready" in line
        assert f"http://127.0.0.1:{port}" in line

        # THEN it answers at once, with the keys it was given
        base = f"http://127.0.0.1:{port}"
        assert requests.get(f"{base}/products", headers={"x-api-key": "acme-key"}, timeout=10).status_code == 200
        assert requests.get(f"{base}/products", headers={"x-api-key": "demo-key"}, timeout=10).status_code == 401
        assert requests.get(f"{base}/openapi.json", timeout=10).json()["info"]["title"] == "Order activation API"
    finally:
        process.terminate()
        process.wait(timeout=30)
