"""The template and its state machines agree with each other, with moto and with the API."""

import json
import re
import uuid
from typing import Any

import boto3
import pytest

from local_runtime.template import PROJECT_ROOT, LocalNames, load_template, resources_of_type, state_machine_definition

TEMPLATE = load_template()
STATE_MACHINES = resources_of_type(TEMPLATE, "AWS::Serverless::StateMachine")
FUNCTIONS = resources_of_type(TEMPLATE, "AWS::Serverless::Function")


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", text))


@pytest.mark.parametrize("logical_id", sorted(STATE_MACHINES))
def test_every_placeholder_is_substituted_by_a_function_of_the_template(logical_id: str) -> None:
    # GIVEN the ASL file behind the state machine and its substitutions
    properties = STATE_MACHINES[logical_id]["Properties"]
    asl = (PROJECT_ROOT / properties["DefinitionUri"]).read_text()
    substitutions: dict[str, Any] = properties["DefinitionSubstitutions"]

    # THEN every placeholder is defined, and no substitution is left unused
    assert _placeholders(asl) == set(substitutions)

    # AND each one names the ARN of a function declared in the template
    for value in substitutions.values():
        target, attribute = value["Fn::GetAtt"]
        assert target in FUNCTIONS, f"{target} is not a function of the template"
        assert attribute == "Arn"

    # AND the state machine may invoke exactly those functions
    invoke_policies = [policy for policy in properties["Policies"] if "LambdaInvokePolicy" in policy]
    invokable = {policy["LambdaInvokePolicy"]["FunctionName"]["Ref"] for policy in invoke_policies}
    assert invokable == {value["Fn::GetAtt"][0] for value in substitutions.values()}


@pytest.mark.parametrize("logical_id", sorted(STATE_MACHINES))
def test_moto_accepts_the_resolved_definition(stack: Any, logical_id: str) -> None:
    # GIVEN the definition with its substitutions applied
    definition = state_machine_definition(LocalNames(TEMPLATE), logical_id)

    # WHEN Step Functions (moto, with execution on) is asked to create it under another name
    client = boto3.client("stepfunctions")
    arn = client.create_state_machine(
        name=f"{logical_id}-{uuid.uuid4().hex[:8]}",
        definition=definition,
        roleArn="arn:aws:iam::123456789012:role/test",
        type="STANDARD",
    )["stateMachineArn"]

    # THEN it is stored as given
    assert json.loads(client.describe_state_machine(stateMachineArn=arn)["definition"]) == json.loads(definition)


def test_every_step_but_the_undo_is_caught_by_fail_activation() -> None:
    # GIVEN the ActivateOrder definition
    asl = json.loads((PROJECT_ROOT / "statemachine/activate_order.asl.json").read_text())
    tasks = {name: state for name, state in asl["States"].items() if state["Type"] == "Task"}

    # THEN every task but FailActivation sends any error to FailActivation, naming itself
    for name, state in tasks.items():
        if name in ("FailActivation", "SyncConnectedSystems", "RecordRejection"):
            continue
        assert state["Catch"][-1] == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": f"{name}Failed"}
        marker = asl["States"][f"{name}Failed"]
        assert marker == {"Type": "Pass", "Result": name, "ResultPath": "$.failedStep", "Next": "FailActivation"}

    # AND a rejected or expired approval ends as a rejection, not a failure
    assert tasks["WaitForApproval"]["Catch"][0] == {
        "ErrorEquals": ["ApprovalRejected", "States.Timeout"],
        "ResultPath": "$.rejection",
        "Next": "RecordRejection",
    }

    # AND a connected system that fails never undoes the activation
    assert tasks["SyncConnectedSystems"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.syncError", "Next": "CompleteActivation"}
    ]

    # AND the tasks use only JSONPath features moto runs (no JSONata, no Assign)
    assert "QueryLanguage" not in asl
    assert all("Assign" not in state for state in asl["States"].values())


def test_every_route_of_the_template_is_in_the_openapi_document() -> None:
    # GIVEN the API routes the template declares
    from order_activation.http.openapi import openapi_document

    declared = {
        (event["Properties"]["Method"].lower(), event["Properties"]["Path"])
        for function in FUNCTIONS.values()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "Api"
    }

    # WHEN the document is generated from the models
    paths = json.loads(openapi_document())["paths"]
    documented = {(method, path) for path, methods in paths.items() for method in methods}

    # THEN both list the same routes (the document itself is not in it)
    assert documented == declared - {("get", "/openapi.json")}


def test_every_event_target_has_a_dead_letter_queue_and_failures_raise_alarms() -> None:
    # GIVEN the template's rules and alarms
    rules = resources_of_type(TEMPLATE, "AWS::Events::Rule")
    alarms = resources_of_type(TEMPLATE, "AWS::CloudWatch::Alarm").values()

    # THEN every rule target sends what it cannot deliver to a dead-letter queue
    targets = [target for rule in rules.values() for target in rule["Properties"]["Targets"]]
    assert targets
    assert all("DeadLetterConfig" in target for target in targets)

    # AND failed activations and waiting dead letters each raise an alarm to the notification topic
    watched = {(alarm["Properties"]["Namespace"], alarm["Properties"]["MetricName"]) for alarm in alarms}
    assert watched == {("AWS/States", "ExecutionsFailed"), ("AWS/SQS", "ApproximateNumberOfMessagesVisible")}
    assert all(alarm["Properties"]["AlarmActions"] == [{"Ref": "NotificationTopic"}] for alarm in alarms)


def test_every_batch_item_reaches_an_outcome_and_the_batch_is_always_summarized() -> None:
    # GIVEN the BatchActivation definition
    asl = json.loads((PROJECT_ROOT / "statemachine/batch_activation.asl.json").read_text())
    each_order = asl["States"]["ActivateEachOrder"]
    item = each_order["ItemProcessor"]["States"]

    # THEN the orders are read from S3 by a Distributed Map of bounded concurrency
    assert each_order["ItemReader"]["Resource"] == "arn:aws:states:::s3:getObject"
    assert each_order["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert each_order["MaxConcurrencyPath"] == "$.maxConcurrency"

    # AND an order whose activation cannot start or never answers is still recorded, as FAILED
    assert item["ActivateOrder"]["Resource"].endswith("lambda:invoke.waitForTaskToken")
    assert item["ActivateOrder"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "OutcomeUnknown"}
    ]
    assert item["OutcomeUnknown"]["Next"] == "RecordOutcome"
    assert item["OutcomeUnknown"]["Parameters"]["status"] == "FAILED"

    # AND the batch is summarized even when the map itself fails
    assert each_order["Next"] == "SummarizeBatch"
    assert each_order["Catch"][0]["Next"] == "SummarizeBatch"
    assert "End" in asl["States"]["SummarizeBatch"]


def test_event_targets_of_batch_activation_keep_what_they_cannot_deliver() -> None:
    # GIVEN the rules that start batches
    rules = {
        name: TEMPLATE["Resources"][name]["Properties"] for name in ("ScheduledActivationRule", "ActivateOrdersRule")
    }

    # THEN each targets the batch starter with a dead-letter queue and a retry policy
    for properties in rules.values():
        (target,) = properties["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": ["StartBatchFunction", "Arn"]}
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["EventDeadLetterQueue", "Arn"]}}
        assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert rules["ScheduledActivationRule"]["ScheduleExpression"] == "rate(1 hour)"
    assert rules["ActivateOrdersRule"]["EventPattern"] == {"detail-type": ["ActivateOrders"]}

    # AND a function error of the asynchronous invocation is kept too
    starter = FUNCTIONS["StartBatchFunction"]["Properties"]
    assert starter["DeadLetterQueue"] == {"Type": "SQS", "TargetArn": {"Fn::GetAtt": ["EventDeadLetterQueue", "Arn"]}}


TASK_TOKEN_ACTIONS = {"states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"}
"""The only actions IAM cannot scope to a resource among those the template grants."""


def _statements(node: Any) -> list[dict[str, Any]]:
    """Every IAM statement written out in the template, inline or in a resource policy."""
    if isinstance(node, list):
        return [statement for item in node for statement in _statements(item)]
    if not isinstance(node, dict):
        return []
    found = [statement for statement in node.get("Statement", []) if isinstance(statement, dict)]
    return found + [statement for key, value in node.items() if key != "Statement" for statement in _statements(value)]


def test_no_policy_grants_every_resource_where_one_can_be_named() -> None:
    # GIVEN every statement of the template
    statements = _statements(TEMPLATE["Resources"])
    assert statements

    # THEN a wildcard resource is granted only for task-token answers, and never for every action
    for statement in statements:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert "*" not in actions
        if "*" in resources:
            assert statement["Effect"] == "Allow" and set(actions) <= TASK_TOKEN_ACTIONS, statement

        # AND task-token answers are granted as IAM evaluates them: on "*", as a scoped grant never matches
        if set(actions) & TASK_TOKEN_ACTIONS:
            assert resources == ["*"], statement


def test_stored_data_is_encrypted_recoverable_and_private() -> None:
    # GIVEN the template's tables, buckets and queues
    tables = resources_of_type(TEMPLATE, "AWS::DynamoDB::Table").values()
    buckets = resources_of_type(TEMPLATE, "AWS::S3::Bucket").values()
    queues = resources_of_type(TEMPLATE, "AWS::SQS::Queue").values()

    # THEN every table has point-in-time recovery and server-side encryption
    assert len(tables) == 3
    for table in tables:
        assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert table["Properties"]["SSESpecification"] == {"SSEEnabled": True}

    # AND every bucket keeps versions, encrypts by default and blocks public access
    assert len(buckets) == 2
    for bucket in buckets:
        properties = bucket["Properties"]
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
        (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
        assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}

    # AND the records, the API keys and the invoices outlive the stack
    for name in ("RecordsTable", "ApiKeysTable", "InvoiceBucket"):
        assert TEMPLATE["Resources"][name]["DeletionPolicy"] == "Retain"

    # AND dead letters are encrypted at rest
    assert all(queue["Properties"]["SqsManagedSseEnabled"] is True for queue in queues)
