"""Domain package of the order-activation service."""
