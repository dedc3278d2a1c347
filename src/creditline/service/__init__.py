"""Use cases: each opens one transaction, applies the domain rules and writes."""
