"""Stripe on 127.0.0.1: localstripe in a thread of this process, and the few endpoints it lacks.

localstripe answers customers, payment methods, PaymentIntents, refunds and signed
webhooks. Where the service needs more, this module stands in, narrowly:

- `GET /v1/payment_intents?customer=...`: localstripe lists every PaymentIntent and
  refuses the filter; here the filter is applied.
- `POST /v1/prices` and `POST /v1/payment_links`, with a hosted page at
  `/pay/{link}`: a plain page whose button confirms a PaymentIntent for the
  link's amount and metadata with a test Visa card, so the webhook flow of a
  customer paying by link can be seen locally.

localstripe ignores idempotency keys: nothing in the service may rely on them, and
tests that count charges do so in this Stripe, not in the service's tables.
Its store is kept in memory only (it would otherwise write a shared pickle file).
"""

import asyncio
import html
import secrets
import threading
from typing import Any

import requests
from aiohttp import web

DEFAULT_WEBHOOK_SECRET = "whsec_local"
LOCAL_API_KEY = "sk_test_local"

_started: dict[str, Any] = {}
_prices: dict[str, dict[str, Any]] = {}
_links: dict[str, dict[str, Any]] = {}


def start(port: int) -> str:
    """Starts the stand-in once per process on `port`; answers its base URL."""
    if "url" in _started:
        return str(_started["url"])

    import localstripe.resources as resources
    import localstripe.server as server

    resources.store.dump_to_disk = lambda: None
    _open_pay_pages(server)
    _filter_payment_intents_by_customer(resources)
    _add_payment_links(server.app)

    loop = asyncio.new_event_loop()
    ready = threading.Event()

    async def serve() -> None:
        runner = web.AppRunner(server.app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(serve())
        ready.set()
        loop.run_forever()

    threading.Thread(target=run, name="local-stripe", daemon=True).start()
    ready.wait(timeout=30)
    _started["url"] = f"http://127.0.0.1:{port}"
    return str(_started["url"])


def send_webhooks_to(stripe_url: str, webhook_url: str, secret: str) -> None:
    """Has the stand-in sign and deliver its events to the local `/webhooks/stripe`."""
    response = requests.post(
        f"{stripe_url}/_config/webhooks/local", data={"url": webhook_url, "secret": secret}, timeout=10
    )
    response.raise_for_status()


def _open_pay_pages(server: Any) -> None:
    """Hosted pay pages are opened by customers, who carry no API key."""
    original = server.get_api_key

    def api_key(request: web.Request) -> str | None:
        return LOCAL_API_KEY if request.path.startswith("/pay/") else original(request)

    server.get_api_key = api_key


def _filter_payment_intents_by_customer(resources: Any) -> None:
    intent_class = resources.PaymentIntent
    original = intent_class._api_list_all.__func__

    def list_all(cls: Any, url: str, customer: str | None = None, **kwargs: Any) -> Any:
        listed = original(cls, url, **kwargs)
        if customer is not None:
            listed._list = [intent for intent in listed._list if intent.customer == customer]
        return listed

    intent_class._api_list_all = classmethod(list_all)


def _add_payment_links(app: web.Application) -> None:
    from localstripe.server import get_post_data

    async def create_price(request: web.Request) -> web.Response:
        data = await get_post_data(request) or {}
        price_id = f"price_{secrets.token_hex(8)}"
        _prices[price_id] = {
            "id": price_id,
            "object": "price",
            "currency": data.get("currency"),
            "unit_amount": int(data.get("unit_amount", 0)),
            "product": (data.get("product_data") or {}).get("name"),
        }
        return web.json_response(_prices[price_id])

    async def create_link(request: web.Request) -> web.Response:
        data = await get_post_data(request) or {}
        link_id = f"plink_{secrets.token_hex(8)}"
        base = f"{request.scheme}://{request.host}"
        _links[link_id] = {
            "id": link_id,
            "object": "payment_link",
            "url": f"{base}/pay/{link_id}",
            "active": True,
            "line_items": data.get("line_items", []),
            "metadata": data.get("metadata") or {},
            "payment_intent_data": data.get("payment_intent_data") or {},
        }
        return web.json_response(_links[link_id])

    async def show_link(request: web.Request) -> web.Response:
        link = _links.get(request.match_info["id"])
        if link is None:
            raise web.HTTPNotFound()
        price = _prices[link["line_items"][0]["price"]]
        amount = html.escape(f"{price['unit_amount']} {price['currency']} (minor units)")
        page = (
            f"<html><body><h1>{html.escape(str(price['product']))}</h1><p>Amount due: {amount}</p>"
            f'<form method="post"><button>Pay with test card</button></form></body></html>'
        )
        return web.Response(text=page, content_type="text/html")

    async def pay_link(request: web.Request) -> web.Response:
        import localstripe.resources as resources

        link = _links.get(request.match_info["id"])
        if link is None:
            raise web.HTTPNotFound()
        price = _prices[link["line_items"][0]["price"]]
        metadata = link["payment_intent_data"].get("metadata") or link["metadata"]
        card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}
        method = resources.PaymentMethod._api_create(type="card", card=card)
        intent = resources.PaymentIntent._api_create(
            amount=price["unit_amount"], currency=price["currency"], metadata=metadata, payment_method=method.id
        )
        resources.PaymentIntent._api_confirm(intent.id)
        thanks = "<html><body><p>Thank you, payment received.</p></body></html>"
        return web.Response(text=thanks, content_type="text/html")

    app.router.add_post("/v1/prices", create_price)
    app.router.add_post("/v1/payment_links", create_link)
    app.router.add_get("/pay/{id}", show_link)
    app.router.add_post("/pay/{id}", pay_link)
