"""ActivateOrder step: sync connected systems."""

from order_activation.activation import steps
from order_activation.handlers import step_handler

handler = step_handler(steps.sync_connected_systems)
