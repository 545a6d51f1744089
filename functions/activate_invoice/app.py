"""ActivateOrder step: activate invoice."""

from order_activation.activation import steps
from order_activation.handlers import step_handler

handler = step_handler(steps.activate_invoice)
