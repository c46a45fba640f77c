# One container runs the whole bot: Slack (Socket Mode or HTTP), the BigCommerce webhook
# endpoint, the outbox worker, polling and the daily summary.
FROM python:3.12-slim

# Set at build time by CI: docker build --build-arg REVISION=$(git rev-parse HEAD) \
#   --build-arg CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ) .
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="paidorder" \
      org.opencontainers.image.description="Slack bot that records orders paid outside BigCommerce as paid BigCommerce orders, with approval" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="python:3.12-slim"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY commands ./commands
COPY sandbox ./sandbox
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin paidorder \
    && mkdir -p /data \
    && chown paidorder /data

USER paidorder
ENV DATABASE_URL=sqlite:////data/paidorder.db \
    PORT=3000
VOLUME /data
EXPOSE 3000
# matplotlib (the summary's chart) keeps its font cache here, as /app is not writable.
ENV MPLCONFIGDIR=/tmp/matplotlib

# slim has no curl; python's urllib raises (exit 1) on a 503 from /healthz. It asks the port
# `paidorder serve` listens on, $PORT, so `-e PORT=3999` stays healthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]

ENTRYPOINT ["paidorder"]
CMD ["serve"]
