"""Loyalty's services, one module per subject: customers, cards, tiers, sms; points (the sale's half:
`points.receipts_points_prepare` and `points.receipts_points_write`, holds, the daily run, adjustments)
and the pure calculator (`calculator`)."""
