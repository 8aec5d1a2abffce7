"""The mobile app's API: sign-in by phone and SMS code, the virtual card, the tier, the shops."""
