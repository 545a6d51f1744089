"""Stripe webhook function: signed payment events update the invoice's payment fields."""

from order_activation.handlers import api_handler
from order_activation.http.routes import webhook_routes

handler = api_handler(webhook_routes, idempotent=False)
