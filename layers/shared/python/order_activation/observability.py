"""Logger, tracer and metrics shared by every function of the service."""

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE_NAME = "order-activation"

logger = Logger(service=SERVICE_NAME)
tracer = Tracer(service=SERVICE_NAME)
metrics = Metrics(namespace="OrderActivation", service=SERVICE_NAME)
