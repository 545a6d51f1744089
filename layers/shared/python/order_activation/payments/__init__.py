"""Payments: charging a saved payment method through Stripe and settling the invoice."""
