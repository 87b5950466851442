"""The portal's WSGI application with read auditing switched off, for bench/audit_log.py's
comparison of the document page with and without it. Never deployed: reads must be recorded."""

from coalition.library import services
from coalition.wsgi import application

services.record_read = lambda **kwargs: None  # type: ignore[assignment]

__all__ = ["application"]
