"""Adapters: SQL storage, clocks; they implement the service layer's ports."""
