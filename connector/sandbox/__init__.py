"""A local HubSpot on loopback with HubSpot's CRM wire format and behaviour.

>>> from connector.sandbox import Sandbox, SandboxConfig  # doctest: +SKIP
>>> with Sandbox(SandboxConfig(contacts=100)) as sb:  # doctest: +SKIP
...     sb.base_url, sb.token
"""

from connector.sandbox.app import Sandbox
from connector.sandbox.config import ALL_SCOPES, FaultConfig, SandboxConfig

__all__ = ["ALL_SCOPES", "FaultConfig", "Sandbox", "SandboxConfig"]
