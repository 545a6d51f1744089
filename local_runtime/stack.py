"""Starts the whole stack in this process: moto, the template's resources, handlers and the API."""

import json
import logging
import os
import socket
from dataclasses import dataclass, field
from typing import Any

import boto3
import requests

from local_runtime import stripe_stand_in
from local_runtime.event_delivery import EventDelivery
from local_runtime.gateway import LocalApi, serve_http
from local_runtime.lambdas import FunctionRegistry
from local_runtime.moto_patches import (
    answer_task_tokens_safely,
    keep_no_record_of_every_model,
    make_transactions_cheap,
    parse_each_definition_once,
    reuse_interpreter_clients,
    serialize_dynamodb_requests,
)
from local_runtime.template import (
    ACCOUNT,
    REGION,
    LocalNames,
    load_template,
    resources_of_type,
    state_machine_definition,
)

DEFAULT_API_KEYS = "demo=demo-key"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalStack:
    """One running copy of the stack; `url` answers the HTTP contract."""

    port: int = 0
    api_keys: str = field(default_factory=lambda: os.environ.get("LOCAL_API_KEYS") or DEFAULT_API_KEYS)
    parameters: dict[str, str] = field(default_factory=dict)
    url: str = ""
    stripe_url: str = ""
    webhook_secret: str = field(
        default_factory=lambda: os.environ.get("STRIPE_WEBHOOK_SECRET") or stripe_stand_in.DEFAULT_WEBHOOK_SECRET
    )
    functions: FunctionRegistry | None = None
    delivery: EventDelivery | None = None
    _moto: Any = None
    _http: Any = None

    def start(self) -> "LocalStack":
        moto_port = free_port()
        self._prepare_environment(moto_port)
        self._start_moto(moto_port)

        names = LocalNames(load_template(), self._template_parameters())
        stripe_port = free_port()
        os.environ["STRIPE_API_BASE"] = f"http://127.0.0.1:{stripe_port}"
        self.functions = FunctionRegistry(names)
        os.environ.update(self.functions.merged_environment())
        self.delivery = EventDelivery(self.functions)
        self._create_resources(names)
        self.functions.install_invoke_hook()
        self.delivery.install()
        self._seed_api_keys()

        api = LocalApi(names, self.functions)
        self.port = self.port or free_port()
        self._http = serve_http(api, self.port)
        self.url = f"http://127.0.0.1:{self.port}"

        self.stripe_url = stripe_stand_in.start(stripe_port)
        stripe_stand_in.send_webhooks_to(self.stripe_url, f"{self.url}/webhooks/stripe", self.webhook_secret)
        return self

    def stop(self) -> None:
        if self._http:
            self._http.shutdown()
        if self._moto:
            self._moto.stop()

    def _template_parameters(self) -> dict[str, str]:
        parameters = {"LogLevel": os.environ.get("LOG_LEVEL", "WARNING")}
        threshold = os.environ.get("APPROVAL_THRESHOLD")
        if threshold:
            parameters["ApprovalThreshold"] = threshold
        return parameters | self.parameters

    def _prepare_environment(self, moto_port: int) -> None:
        endpoint = f"http://127.0.0.1:{moto_port}"
        os.environ.update(
            {
                "MOTO_PORT": str(moto_port),
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_METRICS_DISABLED": "true",
                "AWS_LAMBDA_FUNCTION_NAME": "local-runtime",
            }
        )

    def _start_moto(self, moto_port: int) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
        serialize_dynamodb_requests()
        make_transactions_cheap()
        answer_task_tokens_safely()
        keep_no_record_of_every_model()
        reuse_interpreter_clients()
        parse_each_definition_once()
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
        self._moto.start()
        config = {"stepfunctions": {"execute_state_machine": True}}
        requests.post(f"http://127.0.0.1:{moto_port}/moto-api/config", json=config, timeout=10).raise_for_status()

    def _create_resources(self, names: LocalNames) -> None:
        template = names.template
        for logical_id, body in resources_of_type(template, "AWS::DynamoDB::Table").items():
            create_table(names.physical_name(logical_id), body["Properties"])
        for logical_id in resources_of_type(template, "AWS::S3::Bucket"):
            create_bucket(names.physical_name(logical_id))
        for logical_id in resources_of_type(template, "AWS::Events::EventBus"):
            boto3.client("events").create_event_bus(Name=names.physical_name(logical_id))
        for logical_id in resources_of_type(template, "AWS::SecretsManager::Secret"):
            boto3.client("secretsmanager").create_secret(
                Name=names.physical_name(logical_id), SecretString=self._secret_value(logical_id)
            )
        for logical_id in resources_of_type(template, "AWS::SQS::Queue"):
            boto3.client("sqs").create_queue(QueueName=names.physical_name(logical_id))
        for logical_id in resources_of_type(template, "AWS::SNS::Topic"):
            boto3.client("sns").create_topic(Name=names.physical_name(logical_id))
        for logical_id, body in resources_of_type(template, "AWS::Events::Rule").items():
            assert self.delivery is not None
            self.delivery.add_rule(names.physical_name(logical_id), names.resolve(body["Properties"]))
        for logical_id in resources_of_type(template, "AWS::Serverless::StateMachine"):
            boto3.client("stepfunctions").create_state_machine(
                name=names.physical_name(logical_id),
                definition=state_machine_definition(names, logical_id),
                roleArn=f"arn:aws:iam::{ACCOUNT}:role/local-state-machine",
                type=names.resource(logical_id)["Properties"].get("Type", "STANDARD"),
            )

    def _secret_value(self, logical_id: str) -> str:
        if logical_id != "StripeSecret":
            raise ValueError(f"the local runtime has no value for secret {logical_id}")
        return json.dumps({"apiKey": stripe_stand_in.LOCAL_API_KEY, "webhookSecret": self.webhook_secret})

    def _seed_api_keys(self) -> None:
        from order_activation.api_keys import register_key

        for pair in self.api_keys.split(","):
            tenant_id, _, api_key = pair.strip().partition("=")
            if tenant_id and api_key:
                register_key(tenant_id, api_key)


def create_table(name: str, properties: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if properties.get("GlobalSecondaryIndexes"):
        arguments["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
    client = boto3.client("dynamodb")
    client.create_table(**arguments)

    ttl = properties.get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)


def create_bucket(name: str) -> None:
    client = boto3.client("s3")
    client.create_bucket(Bucket=name)
    client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    encryption: Any = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
    client.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration=encryption)
