"""ASGI entry for uvicorn: the app built from environment settings."""

from __future__ import annotations

from pipeline.api.app import create_app
from pipeline.logging import configure_logging
from pipeline.settings import Settings

settings = Settings.from_env()
configure_logging(settings.log_format, settings.log_level)
app = create_app(settings)
