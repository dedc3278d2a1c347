"""The pages (issue 14): server-rendered Jinja2 templates with htmx, served locally, on the
same FastAPI app and the same public use cases as the API. They hold no rule of their own:
sign-in, the session and CSRF are here; every number and every reason comes from a use case."""
