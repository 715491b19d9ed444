# voxgate's image: `voxgate serve` on 0.0.0.0:8000, run by a non-root user. docs/deploy.md says
# how compose.yaml runs it (two replicas, PostgreSQL, Redis, Caddy) and which settings it needs.
#
#   docker build -t voxgate .
#   docker run -p 8000:8000 -e VOXGATE_PUBLIC_URL=http://localhost:8000 --stop-timeout 90 voxgate

# Build stage: voxgate and its dependencies into a virtualenv, copied whole into the runtime
# stage, so the source tree and pip's caches stay out of the final image. Every dependency
# ships a wheel for CPython 3.11 on x86-64 and arm64 (or is pure Python): no compiler needed.
FROM python:3.11-slim AS build
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
# No extras: the dev tools are not needed to serve; azure, google, hume, piper and audio are
# opt-in (`pip install '.[google]'` here to add one).
RUN /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
# espeak-ng is the offline voice (engine/providers/espeak.py runs the program per sentence);
# the offline transcriber's model (faster-whisper tiny.en) ships inside a Python package.
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng \
    && rm -rf /var/lib/apt/lists/*
# A home of its own: onnxruntime (the VAD) and espeak-ng's audio library write small files there.
RUN useradd --create-home --uid 10001 voxgate \
    && mkdir /data && chown voxgate:voxgate /data
COPY --from=build /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    VOXGATE_HOST=0.0.0.0 \
    VOXGATE_PORT=8000 \
    VOXGATE_DATA_DIR=/data
# /data holds uploaded files and call recordings (and, without VOXGATE_DATABASE_URL, the
# SQLite database; without VOXGATE_SECRET_KEY, the generated secret.key): mount a volume there.
WORKDIR /home/voxgate
USER voxgate
EXPOSE 8000

# 200 while this process serves and takes calls; 503 while it drains or its database is down.
HEALTHCHECK --interval=15s --timeout=6s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('VOXGATE_PORT', '8000') + '/health', timeout=5)"

# SIGTERM drains (serve.py): no new calls, live ones go on for VOXGATE_DRAIN_SECONDS (25 s),
# the rest end with `worker-shutdown`, then up to 45 s more to end them and send their reports.
# Docker kills after 10 s by default: give the container a longer stop timeout
# (`docker run --stop-timeout 90`, compose's `stop_grace_period`, Kubernetes'
# terminationGracePeriodSeconds), above VOXGATE_DRAIN_SECONDS + 45.
STOPSIGNAL SIGTERM
# Exec form: voxgate is PID 1 and receives the signal itself.
CMD ["voxgate", "serve"]
