"""The one Settings object: environment variables and `.env`, read by the app, rxconfig and alembic."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Values that ship in .env.example and the demo set-up. Production refuses to start with any of them.
DEMO_SECRET_KEY = "demo-insecure-secret-key-change-me"

# A public URL on one of these hosts is a developer's machine; any other host means production
# unless MTKCARE_ENV says otherwise (fail closed).
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class SettingsError(RuntimeError):
    """Raised when the configuration is unsafe or inconsistent."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    # When unset: production if MTKCARE_PUBLIC_URL names a host other than this machine,
    # else development (see _decide_environment).
    mtkcare_env: Literal["development", "test", "production"] = Field(
        default="development", validation_alias="MTKCARE_ENV"
    )
    # The embedded database lives in a hidden folder: `reflex run` reloads the backend when a
    # file in the project changes, and SQLite's -wal/-shm files change on every write.
    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / '.data' / 'mtkcare.db'}",
        validation_alias="DATABASE_URL",
    )
    # Migrations run as the tables' owner; the app (DATABASE_URL) as a role that may only read
    # and add audit rows. Unset means DATABASE_URL (one role: development and the demo).
    migration_database_url: str = Field(default="", validation_alias="MIGRATION_DATABASE_URL")
    # PostgreSQL connections each process keeps open, and how many more it may open at a busy
    # moment (closed again when returned). A pool smaller than the requests a worker serves at
    # once makes it connect and disconnect all the time (a new server process each time).
    db_pool_size: int = Field(default=10, ge=1, le=200, validation_alias="MTKCARE_DB_POOL_SIZE")
    db_max_overflow: int = Field(
        default=10, ge=0, le=200, validation_alias="MTKCARE_DB_MAX_OVERFLOW"
    )
    redis_url: str | None = Field(default=None, validation_alias="REDIS_URL")
    # In production a decision-notice webhook must be on the internet: not this machine, nor a
    # private, link-local or reserved address (the cloud's metadata service, the database).
    # True lets an organisation reached over a private network (a VPN) be sent its notices.
    webhook_private_networks: bool = Field(
        default=False, validation_alias="MTKCARE_WEBHOOK_PRIVATE_NETWORKS"
    )
    secret_key: str = Field(default=DEMO_SECRET_KEY, validation_alias="MTKCARE_SECRET_KEY")
    frontend_port: int = Field(default=3000, validation_alias="MTKCARE_FRONTEND_PORT")
    backend_port: int = Field(default=8000, validation_alias="MTKCARE_BACKEND_PORT")
    public_url: str | None = Field(default=None, validation_alias="MTKCARE_PUBLIC_URL")
    # Comma separated; empty means "the app's own frontend URL only".
    allowed_origins: str = Field(default="", validation_alias="MTKCARE_ALLOWED_ORIGINS")
    page_size: int = Field(default=25, ge=5, le=200, validation_alias="MTKCARE_PAGE_SIZE")
    # Dates and times are shown in this zone (mtkcare/dates.py); an IANA name.
    time_zone: str = Field(default="Pacific/Auckland", validation_alias="MTKCARE_TIME_ZONE")
    # A team lead may reopen a declined, closed or withdrawn referral for this many days.
    referral_reopen_days: int = Field(
        default=30, ge=0, le=3650, validation_alias="MTKCARE_REFERRAL_REOPEN_DAYS"
    )
    demo_clients: int = Field(default=300, ge=0, validation_alias="MTKCARE_DEMO_CLIENTS")

    # Background jobs (Huey): the queue lives in Redis when REDIS_URL is set, otherwise in
    # this SQLite file (the embedded default; the app and the consumer share it).
    jobs_path: str = Field(
        default=str(PROJECT_ROOT / ".data" / "jobs.db"), validation_alias="MTKCARE_JOBS_PATH"
    )
    # Threads of one consumer process (`python -m mtkcare.jobs`).
    job_workers: int = Field(default=2, ge=1, le=32, validation_alias="MTKCARE_JOB_WORKERS")
    # A failed attempt is tried again after base x 2^(attempt-1) seconds, at most the cap,
    # until max attempts; then the job is "failed" on the jobs page.
    job_retry_base_seconds: float = Field(
        default=30.0, gt=0, le=3600, validation_alias="MTKCARE_JOB_RETRY_BASE_SECONDS"
    )
    job_retry_cap_seconds: float = Field(
        default=3600.0, gt=0, le=86400, validation_alias="MTKCARE_JOB_RETRY_CAP_SECONDS"
    )
    job_max_attempts: int = Field(
        default=8, ge=1, le=50, validation_alias="MTKCARE_JOB_MAX_ATTEMPTS"
    )
    # A job still "running" this long after it started is taken to have died with its
    # consumer and is queued again.
    job_lease_seconds: int = Field(default=900, ge=10, validation_alias="MTKCARE_JOB_LEASE_SECONDS")
    # Every Azure AD user's roles are refreshed from Microsoft Graph this often (0: never).
    azure_group_sync_minutes: int = Field(
        default=60, ge=0, le=10080, validation_alias="MTKCARE_AZURE_GROUP_SYNC_MINUTES"
    )

    # Decision notices to referring organisations by e-mail: an SMTP server (none: e-mail
    # notices fail and are retried, visible on the jobs page).
    smtp_host: str | None = Field(default=None, validation_alias="SMTP_HOST")
    smtp_port: int = Field(default=587, ge=1, le=65535, validation_alias="SMTP_PORT")
    smtp_username: str | None = Field(default=None, validation_alias="SMTP_USERNAME")
    smtp_password: str | None = Field(default=None, validation_alias="SMTP_PASSWORD")
    smtp_starttls: bool = Field(default=True, validation_alias="SMTP_STARTTLS")
    smtp_from: str = Field(default="mtkcare@localhost", validation_alias="SMTP_FROM")
    session_idle_minutes: int = Field(
        default=30, ge=1, validation_alias="MTKCARE_SESSION_IDLE_MINUTES"
    )
    session_absolute_hours: int = Field(
        default=10, ge=1, validation_alias="MTKCARE_SESSION_ABSOLUTE_HOURS"
    )
    signin_max_failures: int = Field(
        default=5, ge=1, validation_alias="MTKCARE_SIGNIN_MAX_FAILURES"
    )
    signin_lockout_minutes: int = Field(
        default=15, ge=1, validation_alias="MTKCARE_SIGNIN_LOCKOUT_MINUTES"
    )
    # Failures from one address (within the lock-out window) before its sign-ins are slowed:
    # each further attempt waits signin_delay_seconds, doubling per failure, at most
    # signin_max_delay_seconds. Addresses are slowed, never locked (offices share addresses).
    signin_slow_after: int = Field(default=10, ge=1, validation_alias="MTKCARE_SIGNIN_SLOW_AFTER")
    signin_delay_seconds: float = Field(
        default=1.0, ge=0, le=60, validation_alias="MTKCARE_SIGNIN_DELAY_SECONDS"
    )
    signin_max_delay_seconds: float = Field(
        default=30.0, ge=0, le=300, validation_alias="MTKCARE_SIGNIN_MAX_DELAY_SECONDS"
    )
    # Comma separated usernames that failures never lock (only slowed per address), so an
    # attacker cannot lock the administrators out.
    break_glass_users: str = Field(default="", validation_alias="MTKCARE_BREAK_GLASS_USERS")
    # Requests a minute one address may send to /auth/* before it is answered 429.
    auth_rate_limit: int = Field(default=60, ge=1, validation_alias="MTKCARE_AUTH_RATE_LIMIT")
    # Password hashes computed at once per process (argon2id: ~0.1 s of CPU and 64 MiB each).
    password_workers: int = Field(
        default=2, ge=1, le=32, validation_alias="MTKCARE_PASSWORD_WORKERS"
    )
    # Reverse proxies in front of the app that append to X-Forwarded-For; 0 trusts no header.
    trusted_proxy_hops: int = Field(
        default=0, ge=0, le=10, validation_alias="MTKCARE_TRUSTED_PROXY_HOPS"
    )

    # A tab's state on the server (memory or Redis) is dropped this long after its last use.
    state_expiry_seconds: int = Field(
        default=3600, ge=60, validation_alias="MTKCARE_STATE_EXPIRY_SECONDS"
    )
    # Events a tab may send: a bucket of `event_burst` that refills at `event_rate_per_second`.
    # One page opening costs about five (hydration, the page's loads); typing is debounced.
    event_rate_per_second: float = Field(
        default=10.0, gt=0, validation_alias="MTKCARE_EVENT_RATE_PER_SECOND"
    )
    event_burst: int = Field(default=60, ge=1, validation_alias="MTKCARE_EVENT_BURST")
    # Refused events without a session are audited as one row per tab and window, with a count.
    anonymous_refusal_window_seconds: int = Field(
        default=60, ge=1, validation_alias="MTKCARE_ANONYMOUS_REFUSAL_WINDOW_SECONDS"
    )
    # Tabs (each a state tree on the server) one address may hold within `state_expiry_seconds`.
    tabs_per_address: int = Field(default=100, ge=1, validation_alias="MTKCARE_TABS_PER_ADDRESS")

    # Documents: where their bytes live (README, "Documents"). ``local``: a private folder that
    # nothing serves (bytes reach a browser only through our download route); ``sharepoint``:
    # a document library, app-only with the Azure app registration's certificate.
    document_storage: Literal["local", "sharepoint"] = Field(
        default="local", validation_alias="MTKCARE_DOCUMENT_STORAGE"
    )
    documents_path: str = Field(
        default=str(PROJECT_ROOT / ".data" / "documents"), validation_alias="MTKCARE_DOCUMENTS_PATH"
    )
    # Uploads are streamed here (private) until a job moves them to storage.
    uploads_path: str = Field(
        default=str(PROJECT_ROOT / ".data" / "uploads"), validation_alias="MTKCARE_UPLOADS_PATH"
    )
    document_max_bytes: int = Field(
        default=25 * 1024 * 1024, ge=1024, validation_alias="MTKCARE_DOCUMENT_MAX_BYTES"
    )
    # How often the metadata sync compares stored documents with their store (0: never).
    document_sync_minutes: int = Field(
        default=60, ge=0, le=1440, validation_alias="MTKCARE_DOCUMENT_SYNC_MINUTES"
    )
    # e.g. https://contoso.sharepoint.com/sites/care and its library's server-relative folder.
    sharepoint_site_url: str | None = Field(default=None, validation_alias="SHAREPOINT_SITE_URL")
    sharepoint_library: str = Field(
        default="Shared Documents", validation_alias="SHAREPOINT_LIBRARY"
    )
    # Files above this size go up in chunks of this size (one request each).
    sharepoint_chunk_bytes: int = Field(
        default=4 * 1024 * 1024, ge=64 * 1024, validation_alias="SHAREPOINT_CHUNK_BYTES"
    )

    # Partner API keys: how long a new key is valid, and how long a rotated one keeps working.
    api_key_valid_days: int = Field(
        default=365, ge=1, le=3650, validation_alias="MTKCARE_API_KEY_VALID_DAYS"
    )
    api_key_grace_hours: int = Field(
        default=24, ge=0, le=24 * 90, validation_alias="MTKCARE_API_KEY_GRACE_HOURS"
    )

    # Partner API requests a minute per organisation, unless the organisation has its own.
    api_rate_limit: int = Field(default=600, ge=1, validation_alias="MTKCARE_API_RATE_LIMIT")
    # Threads per backend worker process for the partner API's blocking work (mtkcare/api/lane.py:
    # one is fastest; scale with worker processes).
    api_threads: int = Field(default=1, ge=1, le=64, validation_alias="MTKCARE_API_THREADS")

    # Azure AD (Entra ID) sign-in: on when tenant and client ids are set.
    azure_tenant_id: str | None = Field(default=None, validation_alias="AZURE_TENANT_ID")
    azure_client_id: str | None = Field(default=None, validation_alias="AZURE_CLIENT_ID")
    azure_client_secret: str | None = Field(default=None, validation_alias="AZURE_CLIENT_SECRET")
    # Certificate credential instead of a secret: PEM private key path and its thumbprint.
    azure_client_cert_path: str | None = Field(
        default=None, validation_alias="AZURE_CLIENT_CERT_PATH"
    )
    azure_client_cert_thumbprint: str | None = Field(
        default=None, validation_alias="AZURE_CLIENT_CERT_THUMBPRINT"
    )
    # Only changed by tests (a local OIDC provider and Graph fake stand in for Microsoft).
    azure_authority_host: str = Field(
        default="https://login.microsoftonline.com", validation_alias="AZURE_AUTHORITY_HOST"
    )
    graph_base_url: str = Field(
        default="https://graph.microsoft.com/v1.0", validation_alias="GRAPH_BASE_URL"
    )

    @property
    def break_glass_usernames(self) -> frozenset[str]:
        return frozenset(
            name.strip().lower() for name in self.break_glass_users.split(",") if name.strip()
        )

    @property
    def azure_enabled(self) -> bool:
        return bool(self.azure_tenant_id and self.azure_client_id)

    @property
    def azure_metadata_url(self) -> str:
        return (
            f"{self.azure_authority_host.rstrip('/')}/{self.azure_tenant_id}"
            "/v2.0/.well-known/openid-configuration"
        )

    @property
    def is_production(self) -> bool:
        return self.mtkcare_env == "production"

    @property
    def session_cookie_name(self) -> str:
        # The __Host- prefix makes browsers insist on Secure, Path=/ and no Domain.
        return "__Host-mtkcare_session" if self.is_production else "mtkcare_session"

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"MTKCARE_TIME_ZONE: no time zone called {value!r}") from None
        return value

    @field_validator("database_url", "migration_database_url")
    @classmethod
    def _sqlite_folder_exists(cls, value: str) -> str:
        """A SQLite file's folder is made on first use (a fresh clone has no .data/)."""
        if value.startswith("sqlite:///") and ":memory:" not in value:
            Path(value.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def frontend_url(self) -> str:
        return self.public_url or f"http://localhost:{self.frontend_port}"

    @property
    def backend_url(self) -> str:
        """Where the browser reaches the backend: the public address in production (one
        port), else the development backend's own port."""
        if self.is_production and self.public_url:
            return self.public_url.rstrip("/")
        return f"http://localhost:{self.backend_port}"

    @property
    def connect_origins(self) -> list[str]:
        """What a page may connect to (CSP connect-src): our origins and the backend, each
        also as the WebSocket of the event socket."""
        found: list[str] = []
        hosts = [o for o in self.cors_origins if o != "*"] + [self.backend_url]
        if not self.is_production:
            hosts.append(f"http://127.0.0.1:{self.backend_port}")
        for origin in hosts:
            socket = origin.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
            for value in (origin, socket):
                if value not in found:
                    found.append(value)
        return found

    @property
    def cors_origins(self) -> list[str]:
        listed = [o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip()]
        if listed:
            return listed
        if self.is_production:  # the public address only, never a development one
            return [self.frontend_url.rstrip("/")]
        return [
            self.frontend_url.rstrip("/"),
            f"http://127.0.0.1:{self.frontend_port}",
        ]

    @model_validator(mode="after")
    def _complete_and_check(self) -> Settings:
        if "mtkcare_env" not in self.model_fields_set:
            self.mtkcare_env = _decide_environment(self.public_url)
        if not self.migration_database_url:
            self.migration_database_url = self.database_url
        self._refuse_unsafe_production()
        return self

    def _refuse_unsafe_production(self) -> None:
        if not self.is_production:
            return
        problems = []
        if self.secret_key == DEMO_SECRET_KEY or len(self.secret_key) < 32:
            problems.append("MTKCARE_SECRET_KEY must be set to a random value of 32+ characters")
        if self.is_sqlite:
            problems.append("DATABASE_URL must point at PostgreSQL, not the embedded SQLite file")
        if not self.public_url:
            problems.append("MTKCARE_PUBLIC_URL must be set (the https address users open)")
        if "*" in self.cors_origins:
            problems.append(
                "MTKCARE_ALLOWED_ORIGINS must list origins, not '*' (any site could open "
                "a signed-in user's event socket)"
            )
        if problems:
            raise SettingsError("Refusing to start in production: " + "; ".join(problems))


def _decide_environment(public_url: str | None) -> Literal["development", "production"]:
    """Fail closed: a public address that is not this machine means production."""
    if not public_url:
        return "development"
    try:
        host = urlsplit(public_url.strip()).hostname
    except ValueError:
        host = None
    return "development" if host in LOCAL_HOSTS else "production"


@lru_cache
def get_settings() -> Settings:
    return Settings()
