"""ActivateOrder step: lock order."""

from order_activation.activation import steps
from order_activation.handlers import step_handler

handler = step_handler(steps.lock_order)
