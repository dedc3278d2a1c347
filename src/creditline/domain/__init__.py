"""Pure business rules of creditline: no database, no web, no clock."""
