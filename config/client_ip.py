"""The client address rule lives in inventory (apps import downward only); kept here for config's imports."""

from inventory.client_ip import client_ip  # noqa: F401
