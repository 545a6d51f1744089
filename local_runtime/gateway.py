"""API Gateway on 127.0.0.1: routes from the template's `Api` events, the same authorizer.

Each HTTP request becomes a REST API proxy event for the function that owns the route.
"""

import base64
import json
import re
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local_runtime.lambdas import FunctionRegistry, LocalFunction
from local_runtime.template import ACCOUNT, REGION, LocalNames, resources_of_type

API_GATEWAY_BODY_LIMIT = 10 * 1024 * 1024
STAGE = "v1"


@dataclass
class Route:
    method: str
    path: str
    pattern: re.Pattern[str]
    function: LocalFunction
    authorized: bool


@dataclass
class GatewayResponse:
    status: int
    body: str


class LocalApi:
    """The `AWS::Serverless::Api` of the template, answered in process."""

    def __init__(self, names: LocalNames, functions: FunctionRegistry) -> None:
        api_id, api = next(iter(resources_of_type(names.template, "AWS::Serverless::Api").items()))
        properties = api["Properties"]
        auth = properties.get("Auth", {})
        default_authorizer = auth.get("DefaultAuthorizer")
        authorizer = auth.get("Authorizers", {}).get(default_authorizer, {})

        self.api_id = api_id
        self.authorizer = functions.by_name_or_arn(names.resolve(authorizer["FunctionArn"]))
        self.identity_headers = [name.lower() for name in authorizer.get("Identity", {}).get("Headers", [])]
        self.gateway_responses = {
            kind: GatewayResponse(int(body.get("StatusCode", 500)), body["ResponseTemplates"]["application/json"])
            for kind, body in properties.get("GatewayResponses", {}).items()
        }
        self.routes = self._routes(names, functions)

    def _routes(self, names: LocalNames, functions: FunctionRegistry) -> list[Route]:
        routes = []
        for logical_id, body in resources_of_type(names.template, "AWS::Serverless::Function").items():
            for event in body["Properties"].get("Events", {}).values():
                if event["Type"] != "Api":
                    continue
                properties = event["Properties"]
                path = properties["Path"]
                pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$")
                authorized = properties.get("Auth", {}).get("Authorizer") != "NONE"
                route = Route(properties["Method"].upper(), path, pattern, functions.functions[logical_id], authorized)
                routes.append(route)
        return routes

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        """Answers one HTTP request the way API Gateway would."""
        url = urlsplit(raw_path)
        match = self._match(method, url.path)
        if match is None:
            return self._gateway("MISSING_AUTHENTICATION_TOKEN", 403)
        route, path_parameters = match

        if len(body) > API_GATEWAY_BODY_LIMIT:
            return self._gateway("REQUEST_TOO_LARGE", 413)

        authorizer_context: dict[str, Any] = {}
        if route.authorized:
            authorizer_context = self._authorize(route, headers) or {}
            if not authorizer_context:
                return self._gateway("UNAUTHORIZED", 401)

        event = self._proxy_event(route, url.path, url.query, headers, body, path_parameters, authorizer_context)
        try:
            result = route.function.invoke(event)
        except Exception:
            return self._gateway("DEFAULT_5XX", 502)
        return self._response(result)

    def _match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            found = route.pattern.match(path)
            if found and route.method == method:
                return route, found.groupdict()
        return None

    def _authorize(self, route: Route, headers: dict[str, str]) -> dict[str, Any] | None:
        lowered = {name.lower(): value for name, value in headers.items()}
        if any(not lowered.get(name) for name in self.identity_headers):
            return None

        method_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{self.api_id}/{STAGE}/{route.method}{route.path}"
        event = {"type": "REQUEST", "methodArn": method_arn, "headers": headers, "httpMethod": route.method}
        try:
            answer = self.authorizer.invoke(event)
        except Exception:
            return None

        allowed = any(statement["Effect"] == "Allow" for statement in answer["policyDocument"]["Statement"])
        if not allowed:
            return None
        return {**answer.get("context", {}), "principalId": answer["principalId"]}

    def _proxy_event(
        self,
        route: Route,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        path_parameters: dict[str, str],
        authorizer: dict[str, Any],
    ) -> dict[str, Any]:
        multi_query = parse_qs(query, keep_blank_values=True)
        try:
            text_body: str | None = body.decode() if body else None
            encoded = False
        except UnicodeDecodeError:
            text_body, encoded = base64.b64encode(body).decode(), True

        return {
            "resource": route.path,
            "path": path,
            "httpMethod": route.method,
            "headers": headers,
            "multiValueHeaders": {name: [value] for name, value in headers.items()},
            "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_parameters or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": route.path,
                "httpMethod": route.method,
                "path": f"/{STAGE}{path}",
                "stage": STAGE,
                "requestId": str(uuid.uuid4()),
                "accountId": ACCOUNT,
                "apiId": self.api_id,
                "identity": {"sourceIp": "127.0.0.1"},
                "authorizer": authorizer or None,
            },
            "body": text_body,
            "isBase64Encoded": encoded,
        }

    def _response(self, result: dict[str, Any]) -> tuple[int, dict, bytes]:
        headers = dict(result.get("headers") or {})
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[name] = ", ".join(values)
        body = result.get("body") or ""
        raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        return int(result["statusCode"]), headers, raw

    def _gateway(self, kind: str, default_status: int) -> tuple[int, dict, bytes]:
        response = self.gateway_responses.get(kind)
        if response is None:
            body = json.dumps({"message": kind})
            return default_status, {"Content-Type": "application/json"}, body.encode()
        return response.status, {"Content-Type": "application/json"}, response.body.encode()


def serve_http(api: LocalApi, port: int) -> ThreadingHTTPServer:
    """Starts the HTTP server on 127.0.0.1 in a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {name: value for name, value in self.headers.items()}
            status, response_headers, payload = api.handle(self.command, self.path, headers, body)

            self.send_response(status)
            for name, value in response_headers.items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_TRACE = _answer

        def __getattr__(self, name: str) -> Any:
            if name.startswith("do_"):
                return self._answer
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="local-api", daemon=True).start()
    return server
