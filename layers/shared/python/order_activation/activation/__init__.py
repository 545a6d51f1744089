"""Activation: from a DRAFT order to subscriptions, assets and entitlements."""
