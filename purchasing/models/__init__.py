"""Purchasing: settlements with suppliers (settlements.py) and purchase orders with auto-reordering (orders.py)."""
