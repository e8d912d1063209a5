#!/bin/sh
# Install accords from its source tree into a fresh virtual environment, as a wheel (not editable).
#
#   docker/install.sh SOURCE_DIR VENV_DIR
#
# The Dockerfile's build stage runs this script, and tests/test_container.py runs the same script outside
# Docker (no Docker engine is needed to test the image's install steps). The steps:
#   1. build the project's wheel from a copy of the sources (the source tree is left as it was);
#   2. create the virtual environment, with the pip of constraints.txt;
#   3. install torch==2.13.0 first, a CPU build: from $TORCH_INDEX_URL when set (the image uses the
#      official CPU index), else from pip's configured sources; any other way would pull a multi-GB CUDA
#      build as a dependency of sentence-transformers;
#   4. install the wheel with every dependency pinned by constraints.txt, then the wheel itself again
#      (--force-reinstall --no-deps), so a reused environment always holds the current code;
#   5. check the result: the command runs, and the package data (prompts, widget, API docs) is there;
#   6. with ACCORDS_MODEL_CACHE set, export the bundled model to ONNX there (the image ships the file, so
#      the service never runs the export, which needs torch, at start-up).
# Environment: PYTHON (default python3), TORCH_INDEX_URL (unset = pip's defaults), ACCORDS_MODEL_CACHE,
# PIP_* as usual.
set -eu

source_dir=$(cd "$1" && pwd)
venv=$2
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir "$work/src"
cp -R "$source_dir/pyproject.toml" "$source_dir/README.md" "$source_dir/LICENSE" "$source_dir/service" \
    "$source_dir/ingest" "$source_dir/prompts" "$work/src/"
"$python" -m venv "$venv"
pip="$venv/bin/python -m pip"
# ensurepip's pip 23 ignores extras spelt with "_" (jusText's lxml[html_clean]): upgrade it first.
$pip install --quiet --disable-pip-version-check --upgrade --constraint "$source_dir/constraints.txt" pip
$pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$work/dist" "$work/src"
wheel=$(ls "$work"/dist/accords-*.whl)

if [ -n "${TORCH_INDEX_URL:-}" ]; then
    $pip install --quiet --disable-pip-version-check torch==2.13.0 --index-url "$TORCH_INDEX_URL"
else
    $pip install --quiet --disable-pip-version-check torch==2.13.0
fi
$pip install --quiet --disable-pip-version-check --constraint "$source_dir/constraints.txt" "$wheel"
$pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"

cd "$work"  # not the source tree: the check must import the installed package
"$venv/bin/accords" --help >/dev/null
"$venv/bin/python" - <<'PY'
from pathlib import Path

import service
from service.answer.model import MODEL_FILE, AnswerModel
from service.chat.llm.prompts import Prompts
from service.routes.widget import widget_script
from service.routes.apidocs import ASSET_NAMES, ASSETS
from service.settings import PROMPTS_DIR

assert "site-packages" in service.__file__, f"accords imported from {service.__file__}, not the wheel"
assert "site-packages" in str(PROMPTS_DIR), f"prompts found at {PROMPTS_DIR}, not in the wheel"
Prompts.load(PROMPTS_DIR)
assert widget_script().startswith(b"/*!"), "the widget's parts are not in the wheel"
AnswerModel.load(MODEL_FILE)  # the fitted answer model ships in the wheel
assert all((ASSETS / name).is_file() for name in ASSET_NAMES)
print(f"accords installed in {Path(service.__file__).parent}")
PY

if [ -n "${ACCORDS_MODEL_CACHE:-}" ]; then
    HF_HUB_OFFLINE=1 "$venv/bin/python" -c 'import os, pathlib; from ingest.embedders.onnx_export import cached_model_file; print("model exported to", cached_model_file(pathlib.Path(os.environ["ACCORDS_MODEL_CACHE"])))'
fi
