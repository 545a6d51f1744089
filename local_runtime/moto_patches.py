"""The one place where the local runtime stands in for DynamoDB behaviour moto lacks.

moto applies a transaction to the live table and, if any part fails, puts back a
deep copy of the whole table taken before it started. Served from a threaded
server, two requests at once can then undo each other's committed writes (a lost
update), and a reader can see a transaction half applied. DynamoDB never does
either. The local runtime therefore serves DynamoDB requests one at a time, in
the order they arrive.

That copy also makes every transaction cost time in proportion to the whole
table (measured with moto 5.2.5: about 0.1 s per 1,000 items), so the local
runtime copies only the items a transaction touches and keeps the rest by
reference. Left as it is: every query still scans and sorts the whole table, so
a long run on one local stack slows down as the table fills.
"""

import copy
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class _ArrivalOrderLock:
    """A lock handed on in arrival order, so no request waits behind ones that came later."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._busy = False

    @contextmanager
    def held(self) -> Iterator[None]:
        turn: threading.Event | None = None
        with self._guard:
            if self._busy:
                turn = threading.Event()
                self._waiting.append(turn)
            else:
                self._busy = True
        if turn is not None:
            turn.wait()

        try:
            yield
        finally:
            with self._guard:
                if self._waiting:
                    self._waiting.popleft().set()
                else:
                    self._busy = False


_dynamodb_turns = _ArrivalOrderLock()


def serialize_dynamodb_requests() -> None:
    """Makes moto's DynamoDB answer one request at a time, as if each were atomic."""
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action
    if getattr(original, "serialized_by_local_runtime", False):
        return

    def call_action(self: Any) -> Any:
        with _dynamodb_turns.held():
            return original(self)

    call_action.serialized_by_local_runtime = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


_touched: dict[str, list[tuple[Any, Any]]] = {}
"""Keys of the items the running transaction writes, per table (requests run one at a time)."""


def _table_snapshot(table: Any, memo: dict[int, Any]) -> Any:
    """What moto keeps to undo a failed transaction: the item containers, plus copies of
    the items the transaction writes. Every other item is left unchanged by it, so the
    snapshot can share it with the live table.
    """
    snapshot = copy.copy(table)
    if table.range_key_attr:
        snapshot.items = defaultdict(dict, {key: dict(row) for key, row in table.items.items()})
    else:
        snapshot.items = defaultdict(dict, table.items)

    for hash_value, range_value in _touched.get(table.name, []):
        current = table.get_item(hash_value, range_value)
        if current is None:
            continue
        if range_value is not None:
            snapshot.items[hash_value][range_value] = copy.deepcopy(current)
        else:
            snapshot.items[hash_value] = copy.deepcopy(current)
    return snapshot


def make_transactions_cheap() -> None:
    """Undoes a failed transaction from its touched items only, instead of a whole-table copy."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original = DynamoDBBackend.transact_write_items
    if getattr(original, "made_cheap_by_local_runtime", False):
        return

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        _touched.clear()
        for operation in transact_items:
            kind, body = next(iter(operation.items()))
            table = self.tables.get(body.get("TableName"))
            key = body["Item"] if kind == "Put" else body.get("Key", {})
            if table is None or table.hash_key_attr not in key:
                continue
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
            _touched.setdefault(table.name, []).append((hash_value, range_value))
        try:
            return original(self, transact_items)
        finally:
            _touched.clear()

    transact_write_items.made_cheap_by_local_runtime = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    Table.__deepcopy__ = _table_snapshot  # type: ignore[attr-defined]


def answer_task_tokens_safely() -> None:
    """Lets a task token be answered while other executions are still starting.

    moto looks for a token's owner in every running execution, and fails with
    an AttributeError (a 500) when one of them has not built its worker yet:
    with a batch starting executions all the time, an answer then fails at
    random. Executions without a worker cannot own a token, so they are skipped.
    """
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    if getattr(StepFunctionsParserBackend._get_executions, "skips_unstarted", False):
        return
    every_execution = StepFunctionsParserBackend._get_executions

    def started_executions(backend: Any, execution_status: Any = None) -> list[Any]:
        executions = every_execution(backend, execution_status)
        return [
            execution
            for execution in executions
            if getattr(getattr(execution, "exec_worker", None), "env", None) is not None
        ]

    started_executions.skips_unstarted = True  # type: ignore[attr-defined]
    StepFunctionsParserBackend._get_executions = started_executions  # type: ignore[method-assign, assignment]


def reuse_interpreter_clients() -> None:
    """Gives moto's state machine interpreter one boto3 client per service, not one per task.

    The interpreter builds a fresh client for every Lambda task, S3 read and
    service call; building a client costs more CPU than the call it makes,
    and a batch makes thousands. Clients are thread-safe, so one per service
    and region serves every execution.
    """
    import importlib
    import sys

    from moto.stepfunctions.parser.asl.utils import boto_client

    if getattr(boto_client.boto_client_for, "reuses_clients", False):
        return
    for user in (
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils",
        "moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3",
        "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn",
    ):
        importlib.import_module(user)

    build = boto_client.boto_client_for
    made: dict[tuple[str, str], Any] = {}
    creation = threading.Lock()

    def shared_client(region: str, service: str, state_credentials: Any = None) -> Any:
        key = (region, service)
        with creation:
            if key not in made:
                made[key] = build(region, service, state_credentials)
            return made[key]

    shared_client.reuses_clients = True  # type: ignore[attr-defined]
    for name, module in list(sys.modules.items()):
        if name.startswith("moto.stepfunctions.parser") and hasattr(module, "boto_client_for"):
            vars(module)["boto_client_for"] = shared_client


def parse_each_definition_once() -> None:
    """Parses a state machine definition once, not once per execution.

    moto parses the definition with ANTLR, in pure Python, every time an
    execution starts: about 90 ms for ActivateOrder on this machine, more than
    the execution's own steps. The parsed program only describes the states
    (every execution keeps its state in its own environment, and moto already
    shares one program among a Map's iterations), so executions of one
    definition share it. A definition that fails to parse is not kept.
    """
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    if getattr(AmazonStateLanguageParser.parse, "parses_once", False):
        return
    parse = AmazonStateLanguageParser.parse
    parsed: dict[str, Any] = {}
    lock = threading.Lock()

    def parse_once(definition: str) -> Any:
        with lock:
            if definition not in parsed:
                parsed[definition] = parse(definition)
            return parsed[definition]

    parse_once.parses_once = True  # type: ignore[attr-defined]
    AmazonStateLanguageParser.parse = staticmethod(parse_once)  # type: ignore[method-assign]


def keep_no_record_of_every_model() -> None:
    """Stops moto from keeping every model object it ever made.

    moto appends each new model (every item, table, message and execution) to a
    list on its class, for its dashboard, and never drops them while the server
    runs. Each transaction's undo snapshot is a new table holding references to
    every item, so memory grew with transactions times table size: about 1 GiB
    for a batch of 300 orders. The local runtime has no dashboard and never
    resets moto, so new models are no longer listed.
    """
    from moto.core.common_models import BaseModel

    if getattr(BaseModel.__new__, "keeps_no_record", False):
        return

    def new_model(cls: Any, *args: Any, **kwargs: Any) -> Any:
        return super(BaseModel, cls).__new__(cls)

    new_model.keeps_no_record = True  # type: ignore[attr-defined]
    BaseModel.__new__ = new_model  # type: ignore[method-assign]
