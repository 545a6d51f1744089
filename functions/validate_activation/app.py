"""Validate-activation function: checks the order, locks it and starts ActivateOrder."""

from order_activation.handlers import api_handler
from order_activation.http.routes import activation_routes

handler = api_handler(activation_routes)
