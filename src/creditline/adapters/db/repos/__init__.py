"""SQL repositories: one per aggregate, each implementing one port of the service layer."""
