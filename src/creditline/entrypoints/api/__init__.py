"""The HTTP API (FastAPI): a second entrypoint beside the CLI, on the same use cases."""
