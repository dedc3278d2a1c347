"""Credit decisions (授信): scorecards, and later initial limits, reviews and appeals."""
