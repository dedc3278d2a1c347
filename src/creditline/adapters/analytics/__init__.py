"""Batch analytics adapters: staging the ledger as Parquet, and the engines that read it
(DuckDB embedded, Apache Spark distributed)."""
