"""ActivateOrder step: render invoice pdf."""

from order_activation.activation import steps
from order_activation.handlers import step_handler

handler = step_handler(steps.render_invoice_pdf)
