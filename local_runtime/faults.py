"""Fault injection for tests: make one function's invocations fail, inert unless armed.

It lives in the local runtime, which is never deployed, so production code carries no switch.

Modes:
- `error_once`: the next invocation fails with `Lambda.ServiceException` before the handler runs.
- `lost_response_once`: the handler runs, then its answer is lost as `Lambda.ServiceException`,
  so the state machine retries a step whose work is already done.
- `fail_always`: every invocation raises `InjectedFault` (a function error no Retry matches).
- `timeout_always`: every invocation ends as `Sandbox.Timedout`, as a Lambda that ran out of time.
"""

import threading
import uuid
from dataclasses import dataclass
from typing import Literal

from botocore.exceptions import ClientError

FaultMode = Literal["error_once", "lost_response_once", "fail_always", "timeout_always"]


class InjectedFaultError(Exception):
    """The function failed because a test asked it to."""


class SandboxTimeoutError(Exception):
    """Stands for a Lambda that ran out of time; reported as `Sandbox.Timedout`."""


@dataclass
class _Armed:
    mode: FaultMode
    remaining: int


class FaultInjector:
    def __init__(self) -> None:
        self._armed: dict[str, _Armed] = {}
        self._lock = threading.Lock()
        self.triggered: dict[str, int] = {}

    def arm(self, function: str, mode: FaultMode) -> None:
        with self._lock:
            self._armed[function] = _Armed(mode, 1 if mode.endswith("_once") else -1)

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
            self.triggered.clear()

    def _take(self, function: str, modes: tuple[FaultMode, ...]) -> FaultMode | None:
        with self._lock:
            armed = self._armed.get(function)
            if armed is None or armed.mode not in modes or armed.remaining == 0:
                return None
            armed.remaining -= 1
            self.triggered[function] = self.triggered.get(function, 0) + 1
            return armed.mode

    def before_invocation(self, function: str) -> None:
        """Faults of the Lambda service itself: the call fails before the handler is reached."""
        if self._take(function, ("error_once",)):
            raise _service_exception(function)

    def before_handler(self, function: str) -> None:
        """Faults of the function: raised inside it, so they come back as a function error."""
        mode = self._take(function, ("fail_always", "timeout_always"))
        if mode == "fail_always":
            raise InjectedFaultError(f"{function} failed on purpose")
        if mode == "timeout_always":
            raise SandboxTimeoutError(f"{function} timed out")

    def after_handler(self, function: str) -> None:
        if self._take(function, ("lost_response_once",)):
            raise _service_exception(function)


def _service_exception(function: str) -> ClientError:
    response = {
        "Error": {"Code": "ServiceException", "Message": f"{function} answer lost on purpose"},
        "ResponseMetadata": {"HTTPStatusCode": 500, "RequestId": str(uuid.uuid4())},
    }
    return ClientError(response, "Invoke")  # type: ignore[arg-type]
