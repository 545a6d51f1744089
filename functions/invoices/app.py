"""Invoices function: read invoices, activate a DRAFT one, link to its PDF."""

from order_activation.handlers import api_handler
from order_activation.http.routes import invoice_routes

handler = api_handler(invoice_routes)
