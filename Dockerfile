# The connector's worker: `connector run` (sync on a schedule, /healthz /readyz /metrics on 9108).
# docs/operations.md explains every setting below and how to deploy it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# The package ships the default rules, SLA file and .env.example (connector/starter links to
# them), so they are in place before the install. config/ stays: the worker reads it.
COPY pyproject.toml README.md .env.example ./
COPY config ./config
COPY connector ./connector
RUN pip install . && rm -rf connector build *.egg-info

# Never root: the state file and anything the worker writes belong to this user only.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin connector \
    && mkdir /data && chown connector:connector /data
USER connector

# SQLite on the volume by default; a PostgreSQL URL (compose.yaml) for production or several
# workers. JSON log lines on stderr for the platform's log collector.
ENV CONNECTOR_STATE_URL=sqlite:////data/connector_state.sqlite3 \
    CONNECTOR_HTTP_HOST=0.0.0.0 \
    CONNECTOR_HTTP_PORT=9108 \
    CONNECTOR_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 9108

# Liveness from inside the container (the slim image has no curl): the process answers HTTP.
# Readiness (/readyz) is for the orchestrator, which can take the worker out without killing it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('CONNECTOR_HTTP_PORT', '9108') + '/healthz', timeout=4)"]

# SIGTERM finishes the current page, commits and exits 0: give it time (`docker stop -t 60`).
STOPSIGNAL SIGTERM
CMD ["connector", "run"]
