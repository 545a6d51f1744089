"""ActivateOrder step: grant assets and entitlements."""

from order_activation.activation import steps
from order_activation.handlers import step_handler

handler = step_handler(steps.grant_assets_and_entitlements)
