"""ActivateOrder step: apply subscriptions."""

from order_activation.activation import steps
from order_activation.handlers import step_handler

handler = step_handler(steps.apply_subscriptions)
