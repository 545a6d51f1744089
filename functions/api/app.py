"""API function: catalog, customers, draft orders and reads."""

from order_activation.handlers import api_handler
from order_activation.http.routes import catalog_routes, order_routes, read_routes

handler = api_handler(catalog_routes, order_routes, read_routes, with_openapi=True)
