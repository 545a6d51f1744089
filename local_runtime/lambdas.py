"""Lambda functions of the template, run in this process.

The state machine's `lambda:invoke` calls are answered by a botocore
`before-call.lambda.Invoke` hook, so Retry and Catch see the same errors as on AWS:
a handler exception becomes a `FunctionError` whose error name is the exception class.
"""

import importlib.util
import io
import json
import logging
import time
import traceback
import uuid
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from urllib.parse import unquote

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.response import StreamingBody

from local_runtime.faults import FaultInjector, SandboxTimeoutError
from local_runtime.template import PROJECT_ROOT, LocalNames, resources_of_type

log = logging.getLogger("local_runtime")


@dataclass
class LocalContext:
    """The parts of a Lambda context the handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "local"
    log_stream_name: str = "local"
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started
        return max(int((self.timeout_seconds - elapsed) * 1000), 0)


@dataclass
class LocalFunction:
    logical_id: str
    arn: str
    module_path: str
    handler_name: str
    memory: int
    timeout: int
    environment: dict[str, str]
    _module: ModuleType | None = None

    def handler(self) -> Any:
        if self._module is None:
            spec = importlib.util.spec_from_file_location(f"local_fn_{self.logical_id}", self.module_path)
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self._module = module
        return getattr(self._module, self.handler_name)

    def invoke(self, event: Any) -> Any:
        """Runs the handler on a JSON copy of the event, as Lambda would."""
        context = LocalContext(self.logical_id, self.arn, self.memory, self.timeout)
        result = self.handler()(json.loads(json.dumps(event)), context)
        return json.loads(json.dumps(result))


class FunctionRegistry:
    """Every `AWS::Serverless::Function` of the template, by name and by ARN."""

    def __init__(self, names: LocalNames) -> None:
        template = names.template
        globals_ = template.get("Globals", {}).get("Function", {})
        self.functions: dict[str, LocalFunction] = {}
        self.faults = FaultInjector()

        for logical_id, body in resources_of_type(template, "AWS::Serverless::Function").items():
            properties = {**globals_, **body["Properties"]}
            module_name, handler_name = properties["Handler"].rsplit(".", 1)
            environment = dict(globals_.get("Environment", {}).get("Variables", {}))
            environment.update(body["Properties"].get("Environment", {}).get("Variables", {}))
            self.functions[logical_id] = LocalFunction(
                logical_id=logical_id,
                arn=names.arn(logical_id),
                module_path=str(PROJECT_ROOT / properties["CodeUri"] / f"{module_name}.py"),
                handler_name=handler_name,
                memory=int(properties.get("MemorySize", 128)),
                timeout=int(properties.get("Timeout", 3)),
                environment={key: str(value) for key, value in names.resolve(environment).items()},
            )

    def merged_environment(self) -> dict[str, str]:
        """One process holds every function, so their variables must not disagree."""
        merged: dict[str, str] = {}
        for function in self.functions.values():
            for key, value in function.environment.items():
                if merged.get(key, value) != value:
                    raise ValueError(f"functions disagree on {key}; the local runtime needs one value")
                merged[key] = value
        return merged

    def by_name_or_arn(self, name: str) -> LocalFunction:
        name = name.split(":function:", 1)[-1].split(":", 1)[0]
        return self.functions[name]

    def install_invoke_hook(self) -> None:
        """Answers Lambda Invoke calls made through boto3's default session in process."""
        session = boto3._get_default_session()
        session.events.register(
            "before-call.lambda.Invoke",
            self._on_invoke,  # type: ignore[arg-type]
            unique_id="local-runtime-invoke",
        )

    def _on_invoke(self, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        path = params["url_path"]
        function_name = unquote(path.split("/functions/", 1)[1].split("/invocations", 1)[0])
        function = self.by_name_or_arn(function_name)
        body = params.get("body") or b"{}"
        event = json.loads(body if isinstance(body, bytes | str) else body.read())

        parsed: dict[str, Any] = {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
        self.faults.before_invocation(function.logical_id)
        try:
            self.faults.before_handler(function.logical_id)
            payload = json.dumps(function.invoke(event)).encode()
        except Exception as error:
            payload = _function_error(error)
            parsed["FunctionError"] = "Unhandled"
            log.info("function %s raised %s", function.logical_id, type(error).__name__, exc_info=True)
        self.faults.after_handler(function.logical_id)

        parsed["Payload"] = StreamingBody(io.BytesIO(payload), len(payload))
        response = AWSResponse(path, 200, HTTPHeaders(), None)
        return response, parsed


def _function_error(error: Exception) -> bytes:
    """The payload Lambda answers for an unhandled exception; its type names the error."""
    error_type = "Sandbox.Timedout" if isinstance(error, SandboxTimeoutError) else type(error).__name__
    return json.dumps(
        {
            "errorMessage": str(error),
            "errorType": error_type,
            "stackTrace": traceback.format_tb(error.__traceback__),
        }
    ).encode()
