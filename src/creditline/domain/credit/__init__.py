"""Credit decisions (授信): applying a scorecard's points table, limit bands and caps, the facts
a card reads."""
