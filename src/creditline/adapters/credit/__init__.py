"""Credit decisions' adapters: fitting scorecards (optbinning) and the data they use."""
