"""Pure scoring and policy: no I/O, no clock (`now` is always an argument)."""
