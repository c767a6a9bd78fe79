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
CMD ["registry-emulator", "--host", "0.0.0.0", "--port", "8080", "--seed", "12"]
