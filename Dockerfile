# The base is a build argument so the image can be built from a locally made base
# (see .ci/image-check); by default it is the official slim Python image.
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

WORKDIR /app
COPY pyproject.toml README.md ./
COPY tools ./tools
COPY bot ./bot
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir . \
 && useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin registry

USER registry
EXPOSE 8080
# Slack over HTTP (POST /slack/events) or Socket Mode (SLACK_APP_TOKEN); /mcp when REGISTRY_MCP_TOKEN is set.
# Configure with the environment (see README); `--demo` runs on the built-in emulator.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
CMD ["registry-bot", "--host", "0.0.0.0", "--port", "8080"]
