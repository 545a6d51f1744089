"""ActivateOrder step: an approval rejected or expired ends the activation as REJECTED."""

from order_activation.activation import steps
from order_activation.handlers import step_handler

handler = step_handler(steps.record_rejection)
