"""The portal's WSGI application with read auditing switched off, for bench/audit_log.py's
comparison of the document page with and without it. Never deployed: reads must be recorded."""

from coalition.wsgi import application


def _switch_off_read_auditing() -> None:
    from coalition.library import services  # after the application: it sets Django up

    services.record_read = lambda **kwargs: None  # type: ignore[assignment]


_switch_off_read_auditing()

__all__ = ["application"]
