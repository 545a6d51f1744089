"""ActivateOrder step: create invoice."""

from order_activation.activation import steps
from order_activation.handlers import step_handler

handler = step_handler(steps.create_invoice)
