"""A stateful, thread-safe stand-in for the BigCommerce REST API, built on the stdlib only.

It reproduces the contract in shared/reference/bigcommerce-api.md (§13): V2 orders, order
products, shipping addresses, shipments and statuses; V3 catalog, customers and webhooks; the
per-store rate limit; V2 error arrays and V3 error objects; 204 for empty V2 lists. Faults can be
injected per method and path so tests can prove that an order is created exactly once when a
response is lost, late or refused.

Layout: `values` (ApiError, parsers) → `records` → `orders`, `shipments` (request bodies) →
`state` (all data, all mutations, one lock) → `render` (JSON shapes) → `api` (HTTP requests ↔
state) → `limits` (rate limit, faults), `webhooks` (delivery) → `server` (`SandboxServer`).
"""

from sandbox.bigcommerce.limits import FAULTS, Fault, RateLimiter
from sandbox.bigcommerce.records import Hook, Order, OrderProduct, Shipment, ShippingAddress
from sandbox.bigcommerce.server import HeaderDict, RecordedRequest, SandboxServer, serve_forever
from sandbox.bigcommerce.state import SandboxState
from sandbox.bigcommerce.values import ApiError
from sandbox.bigcommerce.webhooks import WebhookDispatcher

__all__ = [
    "FAULTS", "ApiError", "Fault", "HeaderDict", "Hook", "Order", "OrderProduct", "RateLimiter",
    "RecordedRequest", "SandboxServer", "SandboxState", "Shipment", "ShippingAddress",
    "WebhookDispatcher", "serve_forever",
]
