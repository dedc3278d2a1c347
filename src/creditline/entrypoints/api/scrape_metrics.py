"""``/metrics`` in Prometheus's text format. Per-process counters and histograms (requests,
latency per route, authorisations by outcome) are merged across uvicorn's workers through
``PROMETHEUS_MULTIPROC_DIR`` (``creditline serve`` sets it); what the database knows (freezes,
payout failures, the outbox backlog, webhook lag and failures) is read when scraped, so every
worker tells the same figure."""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

import creditline
from creditline import Database

COUNTED_EVENTS = {
    "freeze.added": ("creditline_freezes_total", "Freezes added"),
    "freeze.lifted": ("creditline_freezes_lifted_total", "Freezes lifted"),
    "payout.failed": ("creditline_payout_failures_total", "Payouts the channel failed"),
    "webhook_endpoint.disabled": (
        "creditline_webhook_endpoints_disabled_total",
        "Webhook endpoints disabled for failing",
    ),
}


class DatabaseFigures(Collector):
    """Figures read from the database at scrape time."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        counts = creditline.event_counts(self.db, list(COUNTED_EVENTS))
        for event_type, (name, text) in COUNTED_EVENTS.items():
            family = CounterMetricFamily(name.removesuffix("_total"), text)
            family.add_metric([], counts[event_type])
            yield family
        backlog = creditline.webhook_backlog(self.db).body
        pending = GaugeMetricFamily(
            "creditline_outbox_backlog", "Webhook deliveries waiting to be sent"
        )
        pending.add_metric([], backlog.get("pending", 0))
        yield pending
        lag = GaugeMetricFamily(
            "creditline_webhook_lag_seconds", "Age of the oldest undelivered webhook"
        )
        lag.add_metric([], float(backlog.get("lag_seconds") or 0.0))
        yield lag
        failed = GaugeMetricFamily(
            "creditline_webhook_failed_deliveries", "Deliveries that ran out of retries"
        )
        failed.add_metric([], backlog.get("failed", 0))
        yield failed


def exposition(db: Database) -> tuple[str, str]:
    """The metrics text and its content type."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(DatabaseFigures(db))
        return generate_latest(registry).decode(), CONTENT_TYPE_LATEST
    registry.register(DatabaseFigures(db))
    text = generate_latest(REGISTRY).decode() + generate_latest(registry).decode()
    return text, CONTENT_TYPE_LATEST
