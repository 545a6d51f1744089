"""The steps of the ActivateOrder state machine, one Lambda function each.

Every step can run again after a retry without doubling anything: the ids of the
records it writes derive from the activation and the order line, and a record
that already exists is left as it is.
"""

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from order_activation import approvals, batches, clock, events_out, invoices
from order_activation.errors import ActivationStepError, PricingMismatchError, RecordNotFoundError
from order_activation.models.activations import (
    ActivationError,
    ActivationRecord,
    ActivationStepInput,
    Asset,
    Entitlement,
    Subscription,
)
from order_activation.models.batches import BatchOutcome, BatchOutcomeStatus
from order_activation.models.catalog import Product
from order_activation.models.common import timestamp, utc_now
from order_activation.models.invoices import Invoice
from order_activation.models.orders import Order, OrderLine
from order_activation.observability import logger
from order_activation.orders import reprice_line
from order_activation.pricing.calendar import billing_period
from order_activation.pricing.engine import PricedLine, order_totals
from order_activation.settings import settings
from order_activation.storage.dynamo import derived_id, transact
from order_activation.storage.repositories import (
    ActivationRecords,
    Activations,
    Counters,
    Customers,
    Orders,
    Payments,
    Products,
)

# The Stripe steps import `payments.collection` and `connected_systems` when they run:
# both load the Stripe SDK, and every step's function imports this module, so a
# top-level import would add Stripe's import time to every step's cold start.

activations = Activations()
orders = Orders()
products = Products()
counters = Counters()
records = ActivationRecords()
customers = Customers()
payments = Payments()


def _load(step: str, step_input: ActivationStepInput) -> tuple[ActivationRecord, Order]:
    """The activation, as it enters `step`, and its order."""
    tenant_id = step_input.tenant_id
    activation = activations.enter_step(tenant_id, step_input.activation_id, step)
    order = orders.get(tenant_id, step_input.order_id)
    if activation is None or order is None:
        raise RecordNotFoundError(f"activation {step_input.activation_id} or its order is missing")

    if order.activation_id != activation.activation_id:
        raise ActivationStepError(f"order {order.id} is locked by another activation")

    logger.append_keys(activation_id=activation.activation_id, order_id=order.id, step=step)
    return activation, order


def lock_order(step_input: ActivationStepInput) -> ActivationStepInput:
    """Confirms that this activation holds the order's ACTIVATING lock."""
    _, order = _load("LockOrder", step_input)
    if order.status != "ACTIVATING":
        raise ActivationStepError(f"order {order.id} is {order.status}, not ACTIVATING")

    needs_approval = order.total >= settings().approval_threshold
    logger.info("order locked", needs_approval=needs_approval)
    return step_input.model_copy(
        update={"needs_approval": needs_approval, "approval_timeout_seconds": settings().approval_timeout_seconds}
    )


def finalize_pricing(step_input: ActivationStepInput) -> ActivationStepInput:
    """Prices every line again from the prices captured on the draft and locks them.

    A line or a total that no longer adds up fails the activation: nothing is billed
    at a price the customer did not see.
    """
    _, order = _load("FinalizePricing", step_input)
    problems: list[str] = []
    repriced = []
    if order.type == "CHANGE":
        _check_change_totals(order)
        return step_input

    for line in order.lines:
        priced = reprice_line(line, order.currency, order.tax_rate)
        repriced.append(priced)
        if (priced.net_amount, priced.tax_amount, priced.total_amount) != (
            line.net_amount,
            line.tax_amount,
            line.total_amount,
        ):
            problems.append(f"line {line.id} prices at {priced.total_amount}, the draft said {line.total_amount}")

    totals = order_totals(repriced, order.currency)
    if totals.total != order.total or totals.subtotal != order.subtotal:
        problems.append(f"order total is {totals.total}, the draft said {order.total}")
    if problems:
        raise PricingMismatchError("; ".join(problems))

    if not order.pricing_locked:
        orders.replace(step_input.tenant_id, order.model_copy(update={"pricing_locked": True}), "ACTIVATING")
    logger.info("pricing finalized", total=str(order.total))
    return step_input


def _check_change_totals(order: Order) -> None:
    """A change order's prorations were priced against the locked versions; their sums must hold."""
    totals = order_totals(
        (
            PricedLine(
                line.unit_price,
                line.period_amount,
                line.period_amount,
                line.list_amount,
                line.discount_amount,
                line.net_amount,
                line.tax_amount,
                line.total_amount,
                line.end_date,
                Decimal(0),
            )
            for line in order.lines
        ),
        order.currency,
    )
    if (totals.subtotal, totals.tax_total, totals.total) != (order.subtotal, order.tax_total, order.total):
        raise PricingMismatchError(f"order total is {totals.total}, the draft said {order.total}")


def apply_subscriptions(step_input: ActivationStepInput) -> ActivationStepInput:
    """Creates one subscription (version 1) per recurring line of a new order, or writes the
    next version of each subscription a change order changes (never editing an old one).
    """
    activation, order = _load("ApplySubscriptions", step_input)
    tenant_id = step_input.tenant_id
    if order.type == "CHANGE":
        written = sum(_apply_change(tenant_id, activation.activation_id, order, line) for line in order.lines)
        logger.info("subscription versions written", versions_written=written)
        return step_input

    recurring = {
        _line_record_id(activation.activation_id, line): line
        for line in order.lines
        if line.billing_period != "ONE_TIME"
    }
    existing = records.existing_ids(tenant_id, "SUBSCRIPTION", list(recurring))

    missing = [line for sub_id, line in recurring.items() if sub_id not in existing]
    if missing:
        first = counters.reserve(tenant_id, "SUBSCRIPTION", len(missing))
        subscriptions = [
            _subscription(order, line, activation.activation_id, first + offset) for offset, line in enumerate(missing)
        ]
        records.add(tenant_id, activation.activation_id, "SUBSCRIPTION", subscriptions)

    logger.info("subscriptions applied", subscriptions_created=len(missing))
    return step_input


def _apply_change(tenant_id: str, activation_id: str, order: Order, line: OrderLine) -> bool:
    assert line.subscription_id is not None and line.base_version is not None
    previous = records.subscription_version(tenant_id, line.subscription_id, line.base_version)
    if previous is None:
        raise RecordNotFoundError(f"subscription {line.subscription_id} v{line.base_version} is missing")

    assert line.end_date is not None
    new_version = previous.model_copy(
        update={
            "version": previous.version + 1,
            "status": "CANCELED" if line.change_type == "CANCEL" else "ACTIVE",
            "product_id": line.product_id,
            "quantity": line.quantity,
            "end_date": line.end_date,
            "term_months": line.term_months or previous.term_months,
            "period_amount": line.period_amount,
            "price": line.price,
            "order_id": order.id,
            "order_line_id": line.id,
            "activation_id": activation_id,
            "locked_by": None,
            "next_billing_date": _next_billing_date(line),
            "created_at": timestamp(utc_now()),
        }
    )
    return records.add_version(tenant_id, activation_id, previous, new_version)


def _next_billing_date(line: OrderLine) -> date:
    """After a change, the next bill is due when the current (prorated) billing period ends."""
    assert line.end_date is not None
    if line.prorated_until is None or line.prorated_until >= line.end_date:
        return line.end_date
    return line.prorated_until + timedelta(days=1)


def _line_record_id(activation_id: str, line: OrderLine) -> str:
    """The id of the subscription (a recurring line) or asset (a one-time line) an activation
    makes for a new order's line: the same on every retry, and known to the undo."""
    prefix = "ast" if line.billing_period == "ONE_TIME" else "sub"
    return derived_id(prefix, activation_id, line.id)


def _entitlement_id(activation_id: str, line: OrderLine, feature: str) -> str:
    return derived_id("ent", activation_id, line.id, feature)


def _subscription(order: Order, line: OrderLine, activation_id: str, number: int) -> Subscription:
    assert line.end_date is not None and line.term_months is not None
    _, first_period_end = billing_period(line.start_date, line.billing_period, 0)
    next_billing_date, _ = billing_period(line.start_date, line.billing_period, 1)

    return Subscription(
        id=_line_record_id(activation_id, line),
        subscription_number=f"SUB-{number:06d}",
        version=1,
        status="ACTIVE",
        customer_id=order.customer_id,
        product_id=line.product_id,
        quantity=line.quantity,
        start_date=line.start_date,
        end_date=line.end_date,
        term_months=line.term_months,
        billing_period=line.billing_period,
        next_billing_date=next_billing_date if next_billing_date <= line.end_date else first_period_end,
        period_amount=line.period_amount,
        currency=order.currency,
        order_id=order.id,
        order_line_id=line.id,
        created_at=timestamp(utc_now()),
        price=line.price,
        discount_percent=line.discount_percent,
        activation_id=activation_id,
    )


def grant_assets_and_entitlements(step_input: ActivationStepInput) -> ActivationStepInput:
    """Creates an asset per ONE_TIME line and the entitlements every product declares."""
    activation, order = _load("GrantAssetsAndEntitlements", step_input)
    tenant_id = step_input.tenant_id
    activation_id = activation.activation_id
    if order.type == "CHANGE":
        _move_entitlements(tenant_id, activation, order)
        return step_input
    catalog = products.get_many(tenant_id, (line.product_id for line in order.lines))

    one_time = {_line_record_id(activation_id, line): line for line in order.lines if line.billing_period == "ONE_TIME"}
    existing_assets = records.existing_ids(tenant_id, "ASSET", list(one_time))
    missing_assets = [line for asset_id, line in one_time.items() if asset_id not in existing_assets]
    if missing_assets:
        first = counters.reserve(tenant_id, "ASSET", len(missing_assets))
        assets = [_asset(order, line, activation_id, first + offset) for offset, line in enumerate(missing_assets)]
        records.add(tenant_id, activation_id, "ASSET", assets)

    granted = [
        entitlement
        for line in order.lines
        for entitlement in _entitlements(order, line, _product(catalog, line), activation_id)
    ]
    existing = records.existing_ids(tenant_id, "ENTITLEMENT", [entitlement.id for entitlement in granted])
    entitlements = [entitlement for entitlement in granted if entitlement.id not in existing]
    records.add(tenant_id, activation_id, "ENTITLEMENT", entitlements)

    logger.info(
        "assets and entitlements granted",
        assets_created=len(missing_assets),
        entitlements_created=len(entitlements),
    )
    return step_input


def _move_entitlements(tenant_id: str, activation: ActivationRecord, order: Order) -> None:
    """Entitlements follow a change: the old ones end the day before it takes effect, and the
    new product's (at the new quantity) start on it; a cancellation only ends them.
    """
    activation_id = activation.activation_id
    catalog = products.get_many(tenant_id, (line.product_id for line in order.lines))
    ended = dict(activation.ended_entitlements)
    day_before = (order.effective_date - timedelta(days=1)).isoformat()

    to_end: dict[str, Entitlement] = {}
    for line in order.lines:
        assert line.subscription_id is not None
        for entitlement in records.entitlements_of_subscription(tenant_id, order.customer_id, line.subscription_id):
            still_running = entitlement.end_date is None or entitlement.end_date >= order.effective_date
            if entitlement.id not in ended and entitlement.order_id != order.id and still_running:
                to_end[entitlement.id] = entitlement

    if to_end:
        # Their former end dates are stored first, so a failed activation can give them back.
        ended |= {id_: item.end_date.isoformat() if item.end_date else None for id_, item in to_end.items()}
        activations.record_ended_entitlements(tenant_id, activation_id, ended)
    for entitlement_id in to_end:
        records.set_entitlement_end(tenant_id, entitlement_id, day_before)

    granted = [
        entitlement
        for line in order.lines
        if line.change_type != "CANCEL"
        for entitlement in _entitlements(order, line, _product(catalog, line), activation_id, line.subscription_id)
    ]
    existing = records.existing_ids(tenant_id, "ENTITLEMENT", [entitlement.id for entitlement in granted])
    records.add(tenant_id, activation_id, "ENTITLEMENT", [item for item in granted if item.id not in existing])
    logger.info("entitlements moved", entitlements_ended=len(ended), entitlements_granted=len(granted))


def _product(catalog: dict[str, Product], line: OrderLine) -> Product:
    product = catalog.get(line.product_id)
    if product is None:
        raise RecordNotFoundError(f"product {line.product_id} no longer exists")
    return product


def _asset(order: Order, line: OrderLine, activation_id: str, number: int) -> Asset:
    return Asset(
        id=_line_record_id(activation_id, line),
        asset_number=f"AST-{number:06d}",
        customer_id=order.customer_id,
        product_id=line.product_id,
        quantity=line.quantity,
        status="ACTIVE",
        start_date=line.start_date,
        order_id=order.id,
        order_line_id=line.id,
        created_at=timestamp(utc_now()),
    )


def _entitlements(
    order: Order, line: OrderLine, product: Product, activation_id: str, subscription_id: str | None = None
) -> list[Entitlement]:
    """A product's features for one line: quantity per unit times the line's quantity."""
    recurring = line.billing_period != "ONE_TIME"
    owner = subscription_id or _line_record_id(activation_id, line)

    return [
        Entitlement(
            id=_entitlement_id(activation_id, line, grant.feature),
            customer_id=order.customer_id,
            feature=grant.feature,
            quantity=None if grant.quantity_per_unit is None else grant.quantity_per_unit * line.quantity,
            subscription_id=owner if recurring else None,
            asset_id=None if recurring else owner,
            start_date=line.start_date,
            end_date=line.end_date if recurring else None,
            status="ACTIVE",
            order_id=order.id,
            created_at=timestamp(utc_now()),
        )
        for grant in product.entitlements
    ]


def create_invoice(step_input: ActivationStepInput) -> ActivationStepInput:
    """Drafts the order's first invoice: first billing periods in advance, one-time lines whole."""
    activation, order = _load("CreateInvoice", step_input)
    tenant_id = step_input.tenant_id
    if order.type == "CHANGE":
        lines = invoices.change_invoice_lines(order)
    else:
        catalog = products.get_many(tenant_id, (line.product_id for line in order.lines))
        lines = invoices.first_invoice_lines(order, {line.product_id: _product(catalog, line) for line in order.lines})

    invoice = invoices.draft_invoice(
        invoices.invoice_id_for(activation.activation_id),
        order,
        activation.activation_id,
        lines,
        issue_date=clock.today(),
        po_number=activation.options.po_number,
        po_date=activation.options.po_date,
    )
    created = invoices.invoices.add(tenant_id, invoice)

    logger.info("invoice drafted", invoice_id=invoice.id, created_now=created, total=str(invoice.total))
    return step_input


def activate_invoice(step_input: ActivationStepInput) -> ActivationStepInput:
    """Gives the activation's invoice its number and payment link, and announces it."""
    activation, _ = _load("ActivateInvoice", step_input)
    invoice = _invoice_of(step_input.tenant_id, activation.activation_id)

    numbered, _ = invoices.number_invoice(step_input.tenant_id, invoice)
    numbered = invoices.apply_credit(step_input.tenant_id, numbered)
    from order_activation.payments import collection

    collection.offer_payment_link(step_input.tenant_id, numbered)
    invoices.announce_activated(step_input.tenant_id, numbered)
    return step_input


def render_invoice_pdf(step_input: ActivationStepInput) -> ActivationStepInput:
    """Renders the invoice's PDF once and stores it in S3."""
    activation, _ = _load("RenderInvoicePdf", step_input)
    invoice = _invoice_of(step_input.tenant_id, activation.activation_id)

    invoices.render_and_store_pdf(step_input.tenant_id, invoice)
    return step_input


def collect_payment(step_input: ActivationStepInput) -> ActivationStepInput:
    """Charges the payer's saved payment method for the ACTIVE invoice.

    A declined card is an outcome, not a failure: the invoice's payment status says FAILED.
    """
    activation, order = _load("CollectPayment", step_input)
    invoice = _invoice_of(step_input.tenant_id, activation.activation_id)
    customer = customers.get(step_input.tenant_id, order.customer_id)
    if customer is None:
        raise RecordNotFoundError(f"customer {order.customer_id} no longer exists")

    from order_activation.payments import collection

    collection.collect_payment(step_input.tenant_id, invoice, customer, activation.options.transaction_hub)
    return step_input


def sync_connected_systems(step_input: ActivationStepInput) -> ActivationStepInput:
    """Records the order's objects in the system the transaction hub names; failures are recorded, not raised."""
    activation, order = _load("SyncConnectedSystems", step_input)
    hub = activation.options.transaction_hub
    if hub is None:
        return step_input

    tenant_id = step_input.tenant_id
    invoice = invoices.invoices.get(tenant_id, invoices.invoice_id_for(activation.activation_id))
    payment = payments.get(tenant_id, invoice.id) if invoice else None
    from order_activation import connected_systems

    transactions = connected_systems.sync(tenant_id, hub, order, invoice, payment)
    activations.record_transactions(tenant_id, activation.activation_id, transactions)

    failed = sum(1 for transaction in transactions if transaction.status == "FAILED")
    logger.info("connected systems synced", transactions=len(transactions), failed=failed)
    return step_input


def _invoice_of(tenant_id: str, activation_id: str) -> Invoice:
    invoice = invoices.invoices.get(tenant_id, invoices.invoice_id_for(activation_id))
    if invoice is None:
        raise RecordNotFoundError(f"activation {activation_id} has no invoice")
    return invoice


def complete_activation(step_input: ActivationStepInput) -> ActivationStepInput:
    """Marks the order ACTIVATED and the activation SUCCEEDED together, then announces it."""
    activation, order = _load("CompleteActivation", step_input)
    tenant_id = step_input.tenant_id
    now = timestamp(utc_now())

    if activation.status == "RUNNING":
        transact(
            [
                orders.status_change(
                    tenant_id, order, allowed_from=("ACTIVATING",), changes={"status": "ACTIVATED", "activated_at": now}
                ),
                activations.finish_operation(tenant_id, activation.activation_id, "SUCCEEDED", now, None),
            ]
        )

    events_out.publish(
        "order.activated",
        tenant_id,
        {"orderId": order.id, "activationId": activation.activation_id, "total": str(order.total)},
    )
    logger.info("activation succeeded")
    report_to_batch(step_input, "SUCCEEDED")
    return step_input


def report_to_batch(
    step_input: ActivationStepInput, status: BatchOutcomeStatus, error: ActivationError | None = None
) -> None:
    """Tells the batch that started this activation how it ended."""
    outcome = BatchOutcome(
        order_id=step_input.order_id,
        status=status,
        activation_id=step_input.activation_id,
        error_code=error.code if error else None,
        error_message=error.message if error else None,
    )
    batches.report(step_input.batch_task_token, outcome)


STEP_ERRORS = {
    "PricingMismatchError": "pricing_mismatch",
    "PaymentOutcomeUnknownError": "payment_outcome_unknown",
    "RecordNotFoundError": "record_not_found",
    "ActivationStepError": "activation_step_failed",
}


def fail_activation(
    step_input: ActivationStepInput, failure: dict[str, Any], failed_step: str | None = None
) -> ActivationStepInput:
    """Undoes every record of the activation, then marks it FAILED and the order ACTIVATION_FAILED.

    An activation that already ended (a failure after CompleteActivation committed) keeps its records.
    """
    tenant_id = step_input.tenant_id
    activation = activations.get(tenant_id, step_input.activation_id)
    order = orders.get(tenant_id, step_input.order_id)
    if activation is None or order is None:
        raise RecordNotFoundError(f"activation {step_input.activation_id} or its order is missing")

    if activation.status != "RUNNING":
        logger.info("activation already ended", status=activation.status)
        report_to_batch(step_input, "SUCCEEDED" if activation.status == "SUCCEEDED" else "FAILED", activation.error)
        return step_input

    removed = records.remove_all(
        tenant_id, activation.activation_id, _records_it_may_have_made(tenant_id, activation, order)
    )
    invoices.discard_for_failed_activation(tenant_id, activation.activation_id)
    if order.type == "CHANGE":
        _undo_change(tenant_id, activation, order)
    error = _activation_error(failure, failed_step or activation.current_step)
    transact(
        [
            orders.status_change(
                tenant_id, order, allowed_from=("ACTIVATING",), changes={"status": "ACTIVATION_FAILED"}
            ),
            activations.finish_operation(tenant_id, activation.activation_id, "FAILED", timestamp(utc_now()), error),
        ]
    )

    events_out.publish(
        "activation.failed",
        tenant_id,
        {"orderId": order.id, "activationId": activation.activation_id, "error": error.model_dump()},
    )
    logger.info(
        "activation failed",
        error_code=error.code,
        error_name=failure.get("Error"),
        step=error.step,
        records_removed=removed,
    )
    report_to_batch(step_input, "FAILED", error)
    return step_input


def _records_it_may_have_made(tenant_id: str, activation: ActivationRecord, order: Order) -> list[tuple[str, str, int]]:
    """Kind, id and version of each record the activation's steps write for the order's lines."""
    activation_id = activation.activation_id
    catalog = products.get_many(tenant_id, (line.product_id for line in order.lines))
    made: list[tuple[str, str, int]] = []
    for line in order.lines:
        if line.subscription_id is not None and line.base_version is not None:
            made.append(("SUBSCRIPTION", line.subscription_id, line.base_version + 1))
        elif line.billing_period == "ONE_TIME":
            made.append(("ASSET", _line_record_id(activation_id, line), 0))
        else:
            made.append(("SUBSCRIPTION", _line_record_id(activation_id, line), 1))

        product = catalog.get(line.product_id)
        grants = product.entitlements if product is not None else []
        made += [("ENTITLEMENT", _entitlement_id(activation_id, line, grant.feature), 0) for grant in grants]
    return made


def record_rejection(step_input: ActivationStepInput) -> ActivationStepInput:
    """A rejected or expired approval: the activation ends REJECTED and the order is DRAFT again."""
    approvals.record_expiry(step_input.tenant_id, step_input.activation_id, step_input.order_id)
    activation = activations.get(step_input.tenant_id, step_input.activation_id)
    report_to_batch(step_input, "FAILED", activation.error if activation else None)
    return step_input


def _undo_change(tenant_id: str, activation: ActivationRecord, order: Order) -> None:
    """Makes each changed subscription's former version current again and restores entitlements."""
    for line in order.lines:
        assert line.subscription_id is not None and line.base_version is not None
        previous = records.subscription_version(tenant_id, line.subscription_id, line.base_version)
        if previous is not None:
            records.release(tenant_id, previous, activation.activation_id)

    for entitlement_id, end_date in activation.ended_entitlements.items():
        records.set_entitlement_end(tenant_id, entitlement_id, end_date)


def _activation_error(failure: dict[str, Any], step: str | None) -> ActivationError:
    """Reads the state machine's Catch output; internal faults keep their details out of the API."""
    name = str(failure.get("Error", ""))
    code = STEP_ERRORS.get(name)
    if code is None:
        return ActivationError(code="internal_error", message="the activation failed unexpectedly", step=step)

    try:
        cause = json.loads(failure.get("Cause") or "{}")
        message = str(cause.get("errorMessage") or name)
    except (TypeError, ValueError):
        message = name
    return ActivationError(code=code, message=message, step=step)
