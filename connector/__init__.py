"""Lead qualification for HubSpot: score, write back, hand off."""

__version__ = "0.1.0"
