"""The catalog: products with their billing period, pricing model and entitlements."""

from order_activation.errors import NotFoundError
from order_activation.models.catalog import EntitlementGrant, PriceTier, Product, ProductRequest
from order_activation.models.common import Page, timestamp, utc_now
from order_activation.storage.dynamo import new_id
from order_activation.storage.repositories import Products

products = Products()


def create_product(tenant_id: str, request: ProductRequest) -> Product:
    """Adds a product; a SKU already used by the tenant is refused (`invalid_state`)."""
    product = Product(
        id=new_id("prod"),
        sku=request.sku,
        name=request.name,
        currency=request.currency,
        billing_period=request.billing_period,
        pricing_model=request.pricing_model,
        unit_price=request.unit_price,
        tiers=[PriceTier.model_validate(tier.model_dump()) for tier in request.tiers],
        taxable=request.taxable,
        entitlements=[EntitlementGrant.model_validate(grant.model_dump()) for grant in request.entitlements],
        created_at=timestamp(utc_now()),
    )

    products.add(tenant_id, product)
    return product


def get_product(tenant_id: str, product_id: str) -> Product:
    product = products.get(tenant_id, product_id)
    if product is None:
        raise NotFoundError(f"product {product_id} not found")
    return product


def list_products(tenant_id: str, limit: int, next_token: str | None) -> Page[Product]:
    items, token = products.page(tenant_id, limit, next_token)
    return Page[Product](items=items, next_token=token)
