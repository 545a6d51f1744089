"""ActivateOrder step: collect payment."""

from order_activation.activation import steps
from order_activation.handlers import step_handler

handler = step_handler(steps.collect_payment)
