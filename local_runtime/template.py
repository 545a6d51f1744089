"""Reads the SAM template and resolves the intrinsic functions it uses."""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = PROJECT_ROOT / "template.yaml"

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK_NAME = "local"


class _TemplateLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags turned into their long form."""


def _intrinsic(loader: yaml.Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open() as handle:
        return yaml.load(handle, Loader=_TemplateLoader)


@dataclass
class LocalNames:
    """The physical name, ARN and attributes each resource has on the local stack."""

    template: dict[str, Any]
    parameters: dict[str, str] = field(default_factory=dict)

    def resource(self, logical_id: str) -> dict[str, Any]:
        return self.template["Resources"][logical_id]

    def physical_name(self, logical_id: str) -> str:
        kind = self.resource(logical_id)["Type"]
        if kind == "AWS::S3::Bucket":
            return f"{STACK_NAME}-{logical_id.lower()}"
        properties = self.resource(logical_id).get("Properties", {})
        if kind in ("AWS::Events::EventBus", "AWS::Serverless::StateMachine") and "Name" in properties:
            return str(self.resolve(properties["Name"]))
        return logical_id

    def arn(self, logical_id: str) -> str:
        kind = self.resource(logical_id)["Type"]
        name = self.physical_name(logical_id)
        arns = {
            "AWS::Serverless::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
            "AWS::Serverless::StateMachine": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}",
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}",
            "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
            "AWS::Events::EventBus": f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}",
            "AWS::Events::Rule": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}",
            "AWS::SNS::Topic": f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}",
            "AWS::SecretsManager::Secret": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}",
        }
        return arns[kind]

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::StackName": STACK_NAME,
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.template.get("Parameters", {}):
            default = self.template["Parameters"][name].get("Default", "")
            return str(self.parameters.get(name, default))
        kind = self.resource(name)["Type"]
        if kind in ("AWS::Serverless::StateMachine", "AWS::SNS::Topic"):
            return self.arn(name)
        return self.physical_name(name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        if attribute == "Arn":
            return self.arn(logical_id)
        if attribute in ("Name", "QueueName"):
            return self.physical_name(logical_id)
        raise ValueError(f"the local runtime does not know {logical_id}.{attribute}")

    def resolve(self, value: Any) -> Any:
        """Resolves Ref, Fn::GetAtt, Fn::Sub and Fn::Join anywhere inside `value`."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            return self.ref(value["Ref"])
        if "Fn::GetAtt" in value:
            logical_id, attribute = value["Fn::GetAtt"]
            return self.get_att(logical_id, attribute)
        if "Fn::Sub" in value:
            return self._sub(value["Fn::Sub"])
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(str(self.resolve(part)) for part in parts)
        return {key: self.resolve(inner) for key, inner in value.items()}

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return self.get_att(logical_id, attribute)
            return self.ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: body for name, body in template["Resources"].items() if body["Type"] == kind}


def state_machine_definition(names: LocalNames, logical_id: str) -> str:
    """The ASL file behind `DefinitionUri` with `DefinitionSubstitutions` filled in."""
    properties = names.resource(logical_id)["Properties"]
    definition = (PROJECT_ROOT / properties["DefinitionUri"]).read_text()
    substitutions = names.resolve(properties.get("DefinitionSubstitutions", {}))

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in substitutions:
            raise KeyError(f"{properties['DefinitionUri']} uses ${{{name}}}, which is not substituted")
        return str(substitutions[name])

    return re.sub(r"\$\{([A-Za-z0-9_]+)\}", replace, definition)
