"""The HTTP face of the service: one resolver, its error mapping and the routes."""
