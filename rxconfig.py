"""Reflex configuration. Every value comes from mtkcare.settings (DATABASE_URL, REDIS_URL, ...)."""

import reflex as rx

from mtkcare.settings import get_settings
from mtkcare.ui.styles import theme

settings = get_settings()
StateManagerMode = rx.constants.StateManagerMode

config = rx.Config(
    app_name="mtkcare",
    db_url=settings.database_url,
    redis_url=settings.redis_url,
    # Never the default DISK manager: it pickles whole states, backend vars included,
    # into .states/ on the server's disk.
    state_manager_mode=StateManagerMode.REDIS if settings.redis_url else StateManagerMode.MEMORY,
    # How long a tab's state outlives its last event, in memory as in Redis.
    redis_token_expiration=settings.state_expiry_seconds,
    # The event socket is a WebSocket only (Reflex then refuses Socket.IO's HTTP polling), so
    # each tab is one connection that mtkcare.api.app.guard_event_socket can count.
    transport="websocket",
    frontend_port=settings.frontend_port,
    backend_port=settings.backend_port,
    cors_allowed_origins=settings.cors_origins,
    show_built_with_reflex=False,
    telemetry_enabled=False,
    # The one theme (accent colour, greys, radius); App(theme=...) is deprecated since 0.9.
    plugins=[rx.plugins.RadixThemesPlugin(theme=theme)],
    # Staff pages sit behind sign-in; there is nothing for a search engine to index.
    disable_plugins=[rx.plugins.SitemapPlugin],
)
