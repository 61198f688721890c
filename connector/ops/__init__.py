"""What ops watch while `connector run` works: health, readiness and Prometheus metrics over HTTP.

Only the worker imports this package (prometheus_client is not loaded by other commands).
"""

from __future__ import annotations

from connector.ops.http import OpsApp, OpsServer
from connector.ops.metrics import WorkerMetrics
from connector.ops.readiness import Check, ReachabilityProbe, Readiness

__all__ = ["Check", "OpsApp", "OpsServer", "ReachabilityProbe", "Readiness", "WorkerMetrics"]
