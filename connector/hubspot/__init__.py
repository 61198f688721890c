"""The HubSpot gateway: the only code that imports `hubspot-api-client`."""
