# syntax=docker/dockerfile:1
# summit-bot as a container: `docker build -t summit-bot .` then see compose.yaml and README "Deploy".
#
# build:   the full install (the `index` extra: torch CPU build, sentence-transformers) builds the
#          index and exports the ONNX query model into /opt/summit-bot, and makes the wheel.
# runtime: the base install only (onnxruntime + tokenizers, no torch), the index and ONNX model
#          copied in, a non-root user, a health check on /healthz.
# tests/deploy/test_lean_install.py runs the runtime stage's install command and copies the same
# files, and tests/deploy/test_dockerfile.py keeps the two in step; keep them so when editing this.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

FROM ${PYTHON_IMAGE} AS build
ARG TORCH_INDEX
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    SUMMIT_BOT_INDEX_DIR=/opt/summit-bot/index
WORKDIR /src
RUN python -m venv /opt/build-venv \
    && /opt/build-venv/bin/pip install --extra-index-url "${TORCH_INDEX}" --timeout 10 --retries 1 torch==2.13.0
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY corpus/ corpus/
RUN /opt/build-venv/bin/pip install '.[index]' \
    && /opt/build-venv/bin/pip wheel --no-deps --wheel-dir /dist . \
    && /opt/build-venv/bin/summit-bot index \
    && rm -rf /opt/summit-bot/embedding-cache

FROM ${PYTHON_IMAGE} AS runtime
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    SUMMIT_BOT_INDEX_DIR=/opt/summit-bot/index \
    SUMMIT_BOT_STATE_DIR=/var/lib/summit-bot \
    SUMMIT_BOT_METRICS_PORT=9108
# The venv gets no pip or setuptools of its own (25 MB): the image's pip installs into it.
RUN --mount=type=bind,from=build,source=/dist,target=/tmp/dist \
    python -m venv --without-pip /opt/venv \
    && pip --python /opt/venv/bin/python install /tmp/dist/summit_bot-*.whl
COPY --from=build /opt/summit-bot/ /opt/summit-bot/
# Spanish questions are also searched as their English translation (Apertium: ~52 MB with its libraries;
# blind held-out Spanish R@1 .68 -> .84). `--build-arg TRANSLATION=none` leaves it out (cognates only).
ARG TRANSLATION=apertium
# hadolint ignore=DL3008
RUN if [ "${TRANSLATION}" = apertium ]; then \
        apt-get update && apt-get install -y --no-install-recommends apertium-en-es \
        && rm -rf /var/lib/apt/lists/*; \
    fi
RUN groupadd --system --gid 10001 summit \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/summit-bot --create-home \
       --shell /usr/sbin/nologin summit
USER 10001:10001
WORKDIR /var/lib/summit-bot
VOLUME ["/var/lib/summit-bot"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["summit-bot", "health"]
ENTRYPOINT ["summit-bot"]
CMD ["run"]
