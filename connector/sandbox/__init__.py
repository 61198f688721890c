"""A local HubSpot on loopback with HubSpot's CRM wire format and behaviour."""
