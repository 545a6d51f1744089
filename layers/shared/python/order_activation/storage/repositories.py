"""Repositories of the service's records; every key starts with the tenant."""

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from order_activation.errors import InvalidStateError
from order_activation.models.activations import (
    ActivationError,
    ActivationRecord,
    Asset,
    Entitlement,
    Subscription,
)
from order_activation.models.batches import BatchOutcome, BatchRecord
from order_activation.models.catalog import Product
from order_activation.models.customers import Customer
from order_activation.models.invoices import Invoice, PaymentStatus
from order_activation.models.orders import Order, OrderStatus
from order_activation.models.payments import Payment
from order_activation.storage import dynamo
from order_activation.storage.dynamo import Item, TransactionConflictError

ModelT = TypeVar("ModelT", bound=BaseModel)

BY_LIST = "ByList"
BY_STATUS = "ByStatus"
BY_ACTIVATION = "ByActivation"
BY_DUE_DATE = "ByDueDate"
DUE_NOW = "0000-00-00"


def _record(model: BaseModel) -> Item:
    """The model as stored: every field, those the API hides included unless empty."""
    hidden = {
        name: to_jsonable_python(getattr(model, name))
        for name, field in type(model).model_fields.items()
        if field.exclude and getattr(model, name) is not None
    }
    return model.model_dump(mode="json", by_alias=False) | hidden


def _model(model_type: type[ModelT], item: Item) -> ModelT:
    return model_type.model_validate(dynamo.attributes(item))


def _key(tenant_id: str, kind: str, record_id: str) -> Item:
    return {"pk": f"{tenant_id}#{kind}#{record_id}", "sk": kind}


class Counters:
    """Per-tenant sequences behind order, subscription, asset and invoice numbers."""

    def reserve(self, tenant_id: str, sequence: str, count: int = 1) -> int:
        """Reserves `count` consecutive numbers atomically and returns the first."""
        response = dynamo.records_table().update_item(
            Key={"pk": f"{tenant_id}#COUNTER#{sequence}", "sk": "COUNTER"},
            UpdateExpression="ADD #value :count",
            ExpressionAttributeNames={"#value": "value"},
            ExpressionAttributeValues={":count": count},
            ReturnValues="UPDATED_NEW",
        )
        last = int(response["Attributes"]["value"])
        return last - count + 1


class Products:
    def add(self, tenant_id: str, product: Product) -> None:
        """Stores a product; its SKU is claimed in the same transaction, so it stays unique."""
        item = _record(product) | _key(tenant_id, "PRODUCT", product.id)
        item |= {"gsi1pk": f"{tenant_id}#PRODUCT", "gsi1sk": product.id}
        sku_claim = {"pk": f"{tenant_id}#SKU#{product.sku}", "sk": "SKU", "productId": product.id}

        try:
            dynamo.transact(
                [
                    dynamo.put_operation(sku_claim, "attribute_not_exists(pk)"),
                    dynamo.put_operation(item, "attribute_not_exists(pk)"),
                ]
            )
        except TransactionConflictError as error:
            raise InvalidStateError(f"a product with sku {product.sku!r} already exists") from error

    def get(self, tenant_id: str, product_id: str) -> Product | None:
        item = dynamo.records_table().get_item(Key=_key(tenant_id, "PRODUCT", product_id)).get("Item")
        return _model(Product, item) if item else None

    def get_many(self, tenant_id: str, product_ids: Iterable[str]) -> dict[str, Product]:
        keys = [_key(tenant_id, "PRODUCT", product_id) for product_id in sorted(set(product_ids))]
        products = [_model(Product, item) for item in dynamo.batch_get(keys)]
        return {product.id: product for product in products}

    def page(self, tenant_id: str, limit: int, token: str | None) -> tuple[list[Product], str | None]:
        items, next_token = dynamo.query_page(BY_LIST, "gsi1pk", f"{tenant_id}#PRODUCT", limit, token)
        return [_model(Product, item) for item in items], next_token


class Customers:
    def link_stripe(
        self, tenant_id: str, customer_id: str, stripe_customer_id: str, payment_method: str | None
    ) -> None:
        """Remembers the customer's Stripe customer and the payment method attached to it."""
        dynamo.records_table().update_item(
            Key=_key(tenant_id, "CUSTOMER", customer_id),
            UpdateExpression="SET stripe_customer_id = :customer, stripe_payment_method = :method",
            ExpressionAttributeValues={":customer": stripe_customer_id, ":method": payment_method},
        )

    def add(self, tenant_id: str, customer: Customer) -> None:
        item = _record(customer) | _key(tenant_id, "CUSTOMER", customer.id)
        dynamo.records_table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")

    def get(self, tenant_id: str, customer_id: str) -> Customer | None:
        item = dynamo.records_table().get_item(Key=_key(tenant_id, "CUSTOMER", customer_id)).get("Item")
        return _model(Customer, item) if item else None


class Orders:
    def _item(self, tenant_id: str, order: Order) -> Item:
        item = _record(order) | _key(tenant_id, "ORDER", order.id)
        item |= {"gsi1pk": f"{tenant_id}#ORDER", "gsi1sk": order.order_number}
        item |= {"gsi2pk": f"{tenant_id}#ORDER#{order.status}", "gsi2sk": order.order_number}
        if order.auto_activate:
            item |= {"gsi4pk": _due_partition(order.status), "gsi4sk": _due_sort_key(tenant_id, order)}
        return item

    def due_for_activation(self, today: date) -> Iterator[tuple[str, str]]:
        """(tenant, order) of every DRAFT `autoActivate` order due on or before `today`, across tenants."""
        upto = ("gsi4sk", "<=", f"{today.isoformat()}#\uffff")
        for item in dynamo.query_all(BY_DUE_DATE, "gsi4pk", _due_partition("DRAFT"), upto):
            tenant_id, order_id = item["gsi4sk"].split("#", 1)[1].rsplit("#", 1)
            yield tenant_id, order_id

    def add(self, tenant_id: str, order: Order) -> None:
        item = self._item(tenant_id, order)
        dynamo.records_table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")

    def get(self, tenant_id: str, order_id: str) -> Order | None:
        item = dynamo.records_table().get_item(Key=_key(tenant_id, "ORDER", order_id), ConsistentRead=True)
        return _model(Order, item["Item"]) if "Item" in item else None

    def page(
        self, tenant_id: str, status: OrderStatus | None, limit: int, token: str | None
    ) -> tuple[list[Order], str | None]:
        if status:
            partition = f"{tenant_id}#ORDER#{status}"
            items, next_token = dynamo.query_page(BY_STATUS, "gsi2pk", partition, limit, token)
        else:
            items, next_token = dynamo.query_page(BY_LIST, "gsi1pk", f"{tenant_id}#ORDER", limit, token)
        return [_model(Order, item) for item in items], next_token

    def replace(self, tenant_id: str, order: Order, expected_status: OrderStatus) -> None:
        """Writes the whole order back if its status is still `expected_status`."""
        item = self._item(tenant_id, order)
        try:
            dynamo.records_table().put_item(
                Item=item,
                ConditionExpression="#status = :expected",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":expected": expected_status},
            )
        except dynamo.client().exceptions.ConditionalCheckFailedException as error:
            raise InvalidStateError(f"order {order.id} is no longer {expected_status}") from error

    def status_change(
        self,
        tenant_id: str,
        order: Order,
        allowed_from: Sequence[OrderStatus],
        changes: dict[str, Any],
    ) -> dict[str, Any]:
        """A transaction operation moving the order to `changes['status']` from an allowed status."""
        new_status = changes["status"]
        names = {"#status": "status"}
        values: Item = {":gsi2pk": f"{tenant_id}#ORDER#{new_status}"}
        assignments = ["gsi2pk = :gsi2pk"]
        if order.auto_activate:
            values[":gsi4pk"] = _due_partition(new_status)
            assignments.append("gsi4pk = :gsi4pk")
        for index, (field, value) in enumerate(changes.items()):
            names[f"#f{index}"] = field
            values[f":v{index}"] = value
            assignments.append(f"#f{index} = :v{index}")

        allowed = [f":from{index}" for index in range(len(allowed_from))]
        values |= {f":from{index}": status for index, status in enumerate(allowed_from)}
        condition = f"#status IN ({', '.join(allowed)})"
        return dynamo.update_operation(
            _key(tenant_id, "ORDER", order.id), "SET " + ", ".join(assignments), values, condition, names
        )


def _due_partition(status: str) -> str:
    """`autoActivate` orders of every tenant, by status; the schedule reads the DRAFT ones."""
    return f"AUTO#{status}"


def _due_sort_key(tenant_id: str, order: Order) -> str:
    due = order.activation_date.isoformat() if order.activation_date else DUE_NOW
    return f"{due}#{tenant_id}#{order.id}"


class Activations:
    def _item(self, tenant_id: str, activation: ActivationRecord) -> Item:
        return _record(activation) | _key(tenant_id, "ACTIVATION", activation.activation_id)

    def start(self, tenant_id: str, activation: ActivationRecord, operations: list[dict[str, Any]]) -> None:
        """Stores the activation and moves its order (and reserves what it changes) in one transaction."""
        put = dynamo.put_operation(self._item(tenant_id, activation), "attribute_not_exists(pk)")
        dynamo.transact([put, *operations])

    def get(self, tenant_id: str, activation_id: str) -> ActivationRecord | None:
        key = _key(tenant_id, "ACTIVATION", activation_id)
        item = dynamo.records_table().get_item(Key=key, ConsistentRead=True).get("Item")
        return _model(ActivationRecord, item) if item else None

    def enter_step(self, tenant_id: str, activation_id: str, step: str) -> ActivationRecord | None:
        """Records the step an activation is in; answers the activation as it now stands, read
        in the same request, or None if there is no such activation."""
        try:
            response = dynamo.records_table().update_item(
                Key=_key(tenant_id, "ACTIVATION", activation_id),
                UpdateExpression="SET current_step = :step",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":step": step},
                ReturnValues="ALL_NEW",
            )
        except dynamo.client().exceptions.ConditionalCheckFailedException:
            return None
        return _model(ActivationRecord, response["Attributes"])

    def record_ended_entitlements(self, tenant_id: str, activation_id: str, ended: dict[str, str | None]) -> None:
        """Remembers each entitlement an activation ended early, with its former end, for an undo."""
        dynamo.records_table().update_item(
            Key=_key(tenant_id, "ACTIVATION", activation_id),
            UpdateExpression="SET ended_entitlements = :ended",
            ExpressionAttributeValues={":ended": ended},
        )

    def record_transactions(self, tenant_id: str, activation_id: str, transactions: list[Any]) -> None:
        dynamo.records_table().update_item(
            Key=_key(tenant_id, "ACTIVATION", activation_id),
            UpdateExpression="SET transactions = :transactions",
            ExpressionAttributeValues={
                ":transactions": [item.model_dump(mode="json", by_alias=False) for item in transactions]
            },
        )

    def transition_operation(
        self, tenant_id: str, activation_id: str, expected_status: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """A transaction operation changing the activation if its status is still `expected_status`."""
        names = {"#status": "status"} | {f"#f{index}": name for index, name in enumerate(changes)}
        values: Item = {":expected": expected_status}
        values |= {f":v{index}": value for index, value in enumerate(changes.values())}
        assignments = ", ".join(f"#f{index} = :v{index}" for index in range(len(changes)))
        return dynamo.update_operation(
            _key(tenant_id, "ACTIVATION", activation_id),
            f"SET {assignments}",
            values,
            "#status = :expected",
            names,
        )

    def finish_operation(
        self, tenant_id: str, activation_id: str, status: str, completed_at: str, error: ActivationError | None
    ) -> dict[str, Any]:
        """A transaction operation ending a RUNNING activation."""
        values: Item = {":status": status, ":completed": completed_at, ":running": "RUNNING"}
        update = "SET #status = :status, completed_at = :completed"
        if error:
            values[":error"] = error.model_dump(mode="json", by_alias=False)
            update += ", #error = :error"
        names = {"#status": "status"} | ({"#error": "error"} if error else {})
        return dynamo.update_operation(
            _key(tenant_id, "ACTIVATION", activation_id), update, values, "#status = :running", names
        )


class ActivationRecords:
    """Subscriptions, assets and entitlements, listed by the activation that made them."""

    KINDS: dict[str, type[BaseModel]] = {
        "SUBSCRIPTION": Subscription,
        "ASSET": Asset,
        "ENTITLEMENT": Entitlement,
    }

    def _item(self, tenant_id: str, activation_id: str, kind: str, record: BaseModel) -> Item:
        record_id = record.id  # type: ignore[attr-defined]
        customer_id = record.customer_id  # type: ignore[attr-defined]
        item = _record(record) | {"kind": kind}
        if kind == "SUBSCRIPTION":
            version = record.version  # type: ignore[attr-defined]
            item |= {"pk": f"{tenant_id}#SUBSCRIPTION#{record_id}", "sk": f"V#{version:06d}"}
        else:
            item |= _key(tenant_id, kind, record_id)
        created_at = record.created_at  # type: ignore[attr-defined]
        item |= {"gsi1pk": f"{tenant_id}#CUSTOMER#{customer_id}#{kind}", "gsi1sk": f"{created_at}#{record_id}"}
        item |= {"gsi3pk": f"{tenant_id}#ACTIVATION#{activation_id}", "gsi3sk": f"{kind}#{record_id}"}
        return item

    def existing_ids(self, tenant_id: str, kind: str, record_ids: Sequence[str]) -> set[str]:
        """Which of these records exist already; reads them by key, never by scanning."""
        keys = [self._record_key(tenant_id, kind, record_id, 1) for record_id in record_ids]
        return {item["id"] for item in dynamo.batch_get(keys)}

    def add(self, tenant_id: str, activation_id: str, kind: str, records: Sequence[BaseModel]) -> None:
        dynamo.batch_put(self._item(tenant_id, activation_id, kind, record) for record in records)

    def of_activation(self, tenant_id: str, activation_id: str) -> dict[str, list[Any]]:
        grouped: dict[str, list[Any]] = {kind: [] for kind in self.KINDS}
        partition = f"{tenant_id}#ACTIVATION#{activation_id}"
        for item in dynamo.query_all(BY_ACTIVATION, "gsi3pk", partition):
            kind = item["kind"]
            grouped[kind].append(_model(self.KINDS[kind], item))
        return grouped

    def remove_all(self, tenant_id: str, activation_id: str, expected: Iterable[tuple[str, str, int]]) -> int:
        """Deletes every record the activation made; answers how many.

        The activation's index finds them, but on AWS an index can miss a record written a
        moment ago, so the records the activation may have written (`expected`: the kind, id
        and version of each) are also read by key, consistently, and deleted if they are its own.
        """
        partition = f"{tenant_id}#ACTIVATION#{activation_id}"
        indexed = dynamo.query_all(BY_ACTIVATION, "gsi3pk", partition)
        candidates = [self._record_key(tenant_id, kind, record_id, version) for kind, record_id, version in expected]
        read = [item for item in dynamo.batch_get(candidates, consistent=True) if item.get("gsi3pk") == partition]

        keys = {(item["pk"], item["sk"]) for item in [*indexed, *read]}
        dynamo.batch_delete({"pk": pk, "sk": sk} for pk, sk in sorted(keys))
        return len(keys)

    def _record_key(self, tenant_id: str, kind: str, record_id: str, version: int) -> Item:
        if kind == "SUBSCRIPTION":
            return self._version_key(tenant_id, record_id, version)
        return _key(tenant_id, kind, record_id)

    def of_customer(
        self, tenant_id: str, customer_id: str, kind: str, limit: int, token: str | None
    ) -> tuple[list[Any], str | None]:
        partition = f"{tenant_id}#CUSTOMER#{customer_id}#{kind}"
        items, next_token = dynamo.query_page(BY_LIST, "gsi1pk", partition, limit, token)
        return [_model(self.KINDS[kind], item) for item in items], next_token

    def _version_key(self, tenant_id: str, subscription_id: str, version: int) -> Item:
        return {"pk": f"{tenant_id}#SUBSCRIPTION#{subscription_id}", "sk": f"V#{version:06d}"}

    def lock_operation(self, tenant_id: str, subscription_id: str, version: int, activation_id: str) -> Any:
        """Reserves the subscription for one activation, if `version` is still its latest and ACTIVE."""
        return dynamo.update_operation(
            self._version_key(tenant_id, subscription_id, version),
            "SET locked_by = :activation",
            {":activation": activation_id, ":active": "ACTIVE"},
            "attribute_exists(gsi1pk) AND attribute_not_exists(locked_by) AND #status = :active",
            {"#status": "status"},
        )

    def add_version(self, tenant_id: str, activation_id: str, previous: Subscription, new: Subscription) -> bool:
        """Writes the next version and retires the previous one from the customer's list, together.

        Answers False if this activation wrote it already (a retried step).
        """
        item = self._item(tenant_id, activation_id, "SUBSCRIPTION", new)
        retire = dynamo.update_operation(
            self._version_key(tenant_id, previous.id, previous.version),
            "REMOVE gsi1pk, gsi1sk, locked_by",
            {":activation": activation_id},
            "locked_by = :activation",
        )
        try:
            dynamo.transact([dynamo.put_operation(item, "attribute_not_exists(pk)"), retire])
        except TransactionConflictError as error:
            written = self.subscription_version(tenant_id, new.id, new.version)
            if written is not None and written.activation_id == activation_id:
                return False
            raise InvalidStateError(f"subscription {new.id} changed during the activation") from error
        return True

    def release(self, tenant_id: str, subscription: Subscription, activation_id: str) -> None:
        """Makes `subscription` the customer's latest version again and frees it."""
        list_key = f"{subscription.created_at}#{subscription.id}"
        try:
            dynamo.records_table().update_item(
                Key=self._version_key(tenant_id, subscription.id, subscription.version),
                UpdateExpression="SET gsi1pk = :list, gsi1sk = :sort REMOVE locked_by",
                ConditionExpression="locked_by = :activation OR attribute_not_exists(locked_by)",
                ExpressionAttributeValues={
                    ":list": f"{tenant_id}#CUSTOMER#{subscription.customer_id}#SUBSCRIPTION",
                    ":sort": list_key,
                    ":activation": activation_id,
                },
            )
        except dynamo.client().exceptions.ConditionalCheckFailedException:
            return

    def subscription_version(self, tenant_id: str, subscription_id: str, version: int) -> Subscription | None:
        item = (
            dynamo.records_table()
            .get_item(Key=self._version_key(tenant_id, subscription_id, version), ConsistentRead=True)
            .get("Item")
        )
        return _model(Subscription, item) if item else None

    def entitlements_of_subscription(self, tenant_id: str, customer_id: str, subscription_id: str) -> list[Entitlement]:
        partition = f"{tenant_id}#CUSTOMER#{customer_id}#ENTITLEMENT"
        items = dynamo.query_all(BY_LIST, "gsi1pk", partition)
        return [
            entitlement
            for entitlement in (_model(Entitlement, item) for item in items)
            if entitlement.subscription_id == subscription_id
        ]

    def set_entitlement_end(self, tenant_id: str, entitlement_id: str, end_date: str | None) -> None:
        dynamo.records_table().update_item(
            Key=_key(tenant_id, "ENTITLEMENT", entitlement_id),
            UpdateExpression="SET end_date = :end",
            ExpressionAttributeValues={":end": end_date},
        )

    def latest_subscription(self, tenant_id: str, subscription_id: str) -> Subscription | None:
        versions = self.subscription_versions(tenant_id, subscription_id)
        return versions[0] if versions else None

    def subscription_versions(self, tenant_id: str, subscription_id: str) -> list[Subscription]:
        """Every version of a subscription, newest first."""
        partition = f"{tenant_id}#SUBSCRIPTION#{subscription_id}"
        items = list(dynamo.query_all(None, "pk", partition))
        versions = [_model(Subscription, item) for item in items]
        return sorted(versions, key=lambda version: version.version, reverse=True)


class Invoices:
    """Invoices, listed per customer newest first."""

    def _key(self, tenant_id: str, invoice_id: str) -> Item:
        return _key(tenant_id, "INVOICE", invoice_id)

    def add(self, tenant_id: str, invoice: Invoice) -> bool:
        """Stores a new invoice; answers False if it already exists (a retried step)."""
        item = _record(invoice) | self._key(tenant_id, invoice.id)
        item |= {"gsi1pk": f"{tenant_id}#CUSTOMER#{invoice.customer_id}#INVOICE"}
        item |= {"gsi1sk": f"{invoice.created_at}#{invoice.id}"}
        try:
            dynamo.records_table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except dynamo.client().exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get(self, tenant_id: str, invoice_id: str) -> Invoice | None:
        item = dynamo.records_table().get_item(Key=self._key(tenant_id, invoice_id), ConsistentRead=True)
        return _model(Invoice, item["Item"]) if "Item" in item else None

    def of_customer(
        self, tenant_id: str, customer_id: str, limit: int, token: str | None
    ) -> tuple[list[Invoice], str | None]:
        partition = f"{tenant_id}#CUSTOMER#{customer_id}#INVOICE"
        items, next_token = dynamo.query_page(BY_LIST, "gsi1pk", partition, limit, token)
        return [_model(Invoice, item) for item in items], next_token

    def numbering(self, tenant_id: str, invoice: Invoice, number: int, now: str, lease: "NumberingLease") -> list[Any]:
        """The operations that give a DRAFT invoice the number after the lease's, gapless.

        The counter moves to `number` only together with the invoice and only while the
        lease is held, which the same write gives back, so no number is skipped or repeated.
        """
        counter = dynamo.update_operation(
            lease.key,
            "SET #value = :number REMOVE holder, expires_at",
            {":number": number, ":holder": lease.holder},
            "holder = :holder",
            {"#value": "value"},
        )
        invoice_update = dynamo.update_operation(
            self._key(tenant_id, invoice.id),
            "SET #status = :active, invoice_number = :formatted, activated_at = :now",
            {":active": "ACTIVE", ":draft": "DRAFT", ":formatted": f"INV-{number:06d}", ":now": now},
            "#status = :draft",
            {"#status": "status"},
        )
        return [counter, invoice_update]

    def set_pdf_key(self, tenant_id: str, invoice_id: str, pdf_key: str) -> None:
        dynamo.records_table().update_item(
            Key=self._key(tenant_id, invoice_id),
            UpdateExpression="SET pdf_key = :key",
            ExpressionAttributeValues={":key": pdf_key},
        )

    def set_payment_url(self, tenant_id: str, invoice_id: str, url: str) -> None:
        dynamo.records_table().update_item(
            Key=self._key(tenant_id, invoice_id),
            UpdateExpression="SET payment_url = :url",
            ExpressionAttributeValues={":url": url},
        )

    def settle(self, tenant_id: str, invoice_id: str, status: PaymentStatus) -> bool:
        """Moves the invoice's payment status forward; PAID never moves again.

        Answers whether the status changed.
        """
        try:
            dynamo.records_table().update_item(
                Key=self._key(tenant_id, invoice_id),
                UpdateExpression="SET payment_status = :status",
                ConditionExpression="attribute_exists(pk) AND payment_status <> :paid AND payment_status <> :status",
                ExpressionAttributeValues={":status": status, ":paid": "PAID"},
            )
        except dynamo.client().exceptions.ConditionalCheckFailedException:
            return False
        return True

    def cancel(self, tenant_id: str, invoice_id: str) -> None:
        dynamo.records_table().update_item(
            Key=self._key(tenant_id, invoice_id),
            UpdateExpression="SET #status = :canceled",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":canceled": "CANCELED"},
        )

    def delete(self, tenant_id: str, invoice_id: str) -> None:
        dynamo.records_table().delete_item(Key=self._key(tenant_id, invoice_id))


class NumberingLease:
    """An exclusive, short hold on a tenant's gapless sequence, kept on its counter item.

    Taking the lease also reads the counter; a holder that crashes loses it when it expires.
    """

    def __init__(self, tenant_id: str, sequence: str, seconds: int) -> None:
        self.key = {"pk": f"{tenant_id}#COUNTER#{sequence}", "sk": "COUNTER"}
        self.holder = dynamo.new_id("lease")
        self.seconds = seconds

    def try_acquire(self, now: float) -> int | None:
        """The counter's value if the lease was taken, None if someone else holds it."""
        try:
            response = dynamo.records_table().update_item(
                Key=self.key,
                UpdateExpression="SET holder = :holder, expires_at = :expires",
                ConditionExpression="attribute_not_exists(holder) OR expires_at < :now",
                ExpressionAttributeValues={
                    ":holder": self.holder,
                    ":expires": int(now) + self.seconds,
                    ":now": int(now),
                },
                ReturnValues="ALL_NEW",
            )
        except dynamo.client().exceptions.ConditionalCheckFailedException:
            return None
        return int(response["Attributes"].get("value", 0))

    def release(self) -> None:
        try:
            dynamo.records_table().update_item(
                Key=self.key,
                UpdateExpression="REMOVE holder, expires_at",
                ConditionExpression="holder = :holder",
                ExpressionAttributeValues={":holder": self.holder},
            )
        except dynamo.client().exceptions.ConditionalCheckFailedException:
            return


class Payments:
    """One payment record per invoice, written before Stripe is called."""

    def _key(self, tenant_id: str, invoice_id: str) -> Item:
        return _key(tenant_id, "PAYMENT", invoice_id)

    def get(self, tenant_id: str, invoice_id: str) -> Payment | None:
        item = dynamo.records_table().get_item(Key=self._key(tenant_id, invoice_id), ConsistentRead=True)
        if "Item" not in item:
            return None
        return Payment.model_validate(dynamo.attributes(item["Item"]))

    def record_attempt(self, tenant_id: str, payment: Payment) -> bool:
        """Stores the attempt before the charge; False if one was already recorded."""
        item = payment.model_dump(mode="json", by_alias=False, exclude=set()) | self._key(tenant_id, payment.invoice_id)
        item |= {"invoice_id": payment.invoice_id, "stripe_customer_id": payment.stripe_customer_id}
        item |= {"updated_at": payment.updated_at}
        try:
            dynamo.records_table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except dynamo.client().exceptions.ConditionalCheckFailedException:
            return False
        return True

    def settle(
        self, tenant_id: str, invoice_id: str, status: str, external_id: str | None, message: str | None, now: str
    ) -> bool:
        """Records the outcome; a SUCCEEDED payment never changes again."""
        try:
            dynamo.records_table().update_item(
                Key=self._key(tenant_id, invoice_id),
                UpdateExpression="SET #status = :status, external_id = :external, failure_message = :message,"
                " updated_at = :now",
                ConditionExpression="attribute_exists(pk) AND #status <> :succeeded",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":status": status,
                    ":external": external_id,
                    ":message": message,
                    ":now": now,
                    ":succeeded": "SUCCEEDED",
                },
            )
        except dynamo.client().exceptions.ConditionalCheckFailedException:
            return False
        return True

    def delete(self, tenant_id: str, invoice_id: str) -> None:
        dynamo.records_table().delete_item(Key=self._key(tenant_id, invoice_id))


class WebhookEvents:
    """Stripe event ids already handled, so a redelivered event changes nothing."""

    def _key(self, tenant_id: str, event_id: str) -> Item:
        return _key(tenant_id, "STRIPE_EVENT", event_id)

    def claim(self, tenant_id: str, event_id: str) -> bool:
        """Takes the event for this delivery; False if another delivery has it."""
        try:
            dynamo.records_table().put_item(
                Item=self._key(tenant_id, event_id) | {"event_id": event_id},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except dynamo.client().exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release(self, tenant_id: str, event_id: str) -> None:
        dynamo.records_table().delete_item(Key=self._key(tenant_id, event_id))


class CustomerCredit:
    """Credit a customer holds from negative invoices; the next invoice consumes it first."""

    def add(self, tenant_id: str, customer_id: str, amount: Any, invoice_id: str) -> bool:
        """Adds a credit note's amount once per invoice."""
        try:
            dynamo.transact(
                [
                    dynamo.put_operation(
                        _key(tenant_id, "CREDIT_NOTE", invoice_id) | {"amount": str(amount)},
                        "attribute_not_exists(pk)",
                    ),
                    dynamo.update_operation(
                        _key(tenant_id, "CUSTOMER", customer_id), "ADD credit_balance :amount", {":amount": amount}
                    ),
                ]
            )
        except TransactionConflictError:
            return False
        return True

    def balance(self, tenant_id: str, customer_id: str) -> Any:
        item = (
            dynamo.records_table()
            .get_item(Key=_key(tenant_id, "CUSTOMER", customer_id), ConsistentRead=True)
            .get("Item")
            or {}
        )
        return item.get("credit_balance", 0)

    def consume(self, tenant_id: str, customer_id: str, invoice_id: str, used: Any, amount_due: Any) -> bool:
        """Takes `used` from the balance and lowers the invoice's amount due, once per invoice."""
        try:
            dynamo.transact(
                [
                    dynamo.update_operation(
                        _key(tenant_id, "CUSTOMER", customer_id),
                        "SET credit_balance = credit_balance - :used",
                        {":used": used},
                        "credit_balance >= :used",
                    ),
                    dynamo.update_operation(
                        _key(tenant_id, "INVOICE", invoice_id),
                        "SET amount_due = :due, credit_applied = :applied, credit_consumed = :yes",
                        {":due": str(amount_due), ":applied": str(used), ":yes": True},
                        "attribute_not_exists(credit_consumed)",
                    ),
                ]
            )
        except TransactionConflictError:
            return False
        return True


class Batches:
    """A batch's record and counts, and one outcome item per order it counted."""

    def add(self, tenant_id: str, batch: BatchRecord) -> bool:
        """Stores a new batch; False when it was stored before."""
        item = _record(batch) | _key(tenant_id, "BATCH", batch.batch_id)
        try:
            dynamo.records_table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except dynamo.client().exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get(self, tenant_id: str, batch_id: str) -> BatchRecord | None:
        key = _key(tenant_id, "BATCH", batch_id)
        item = dynamo.records_table().get_item(Key=key, ConsistentRead=True).get("Item")
        return _model(BatchRecord, item) if item else None

    def count_outcome(self, tenant_id: str, batch_id: str, outcome: BatchOutcome) -> bool:
        """Adds the outcome to the batch's counts once; False when it was counted before."""
        batch_key = _key(tenant_id, "BATCH", batch_id)
        outcome_item = _record(outcome) | {"pk": batch_key["pk"], "sk": f"OUTCOME#{outcome.order_id}"}
        outcome_item["gsi1pk"] = f"{batch_key['pk']}#{outcome.status}"
        outcome_item["gsi1sk"] = outcome.order_id
        counter = outcome.status.lower()
        try:
            dynamo.transact(
                [
                    dynamo.put_operation(outcome_item, "attribute_not_exists(pk)"),
                    dynamo.update_operation(
                        batch_key, "ADD #counter :one", {":one": 1}, "attribute_exists(pk)", {"#counter": counter}
                    ),
                ]
            )
        except TransactionConflictError:
            return False
        return True

    def complete(self, tenant_id: str, batch_id: str, completed_at: str) -> None:
        """Marks a RUNNING batch COMPLETED; a batch completed before keeps its time."""
        try:
            dynamo.records_table().update_item(
                Key=_key(tenant_id, "BATCH", batch_id),
                UpdateExpression="SET #status = :completed, completed_at = :at",
                ConditionExpression="#status = :running",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":completed": "COMPLETED", ":running": "RUNNING", ":at": completed_at},
            )
        except dynamo.client().exceptions.ConditionalCheckFailedException:
            return

    def failed_order_ids(self, tenant_id: str, batch_id: str, limit: int) -> list[str]:
        partition = f"{_key(tenant_id, 'BATCH', batch_id)['pk']}#FAILED"
        failed = []
        for item in dynamo.query_all(BY_LIST, "gsi1pk", partition):
            failed.append(str(item["gsi1sk"]))
            if len(failed) == limit:
                break
        return failed
