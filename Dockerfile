# Minimal image for now; the operations issue turns this into a multi-stage, non-root build.
FROM python:3.11-slim
WORKDIR /app
ENV HF_HUB_OFFLINE=1 ORT_DISABLE_TELEMETRY=1 ANONYMIZED_TELEMETRY=False ACCORDS_DATA_DIR=/data
COPY pyproject.toml constraints.txt README.md ./
COPY ingest ./ingest
COPY service ./service
COPY prompts ./prompts
COPY samples ./samples
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
    && pip install --no-cache-dir -c constraints.txt .
VOLUME ["/data"]
CMD ["accords", "ingest", "samples"]
