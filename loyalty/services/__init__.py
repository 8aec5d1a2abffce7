"""Loyalty's public services. Points: `loyalty.services.points` (the sale's half: `receipts_points_prepare`
and `receipts_points_write`, holds, the daily run, adjustments); the pure calculator: `.calculator`."""
