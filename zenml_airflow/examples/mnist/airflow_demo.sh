#!/usr/bin/env bash
# The MNIST-style example on a real local Airflow 3, the way a user would do it with the CLI:
# register an airflow orchestrator, start Airflow, deploy the pipeline, trigger it, wait, read back.
#
# Usage: airflow_demo.sh DEMO_DIR [PORT]      (KEEP=1 leaves Airflow running afterwards)
set -euo pipefail

demo_dir=$(realpath "$1")
port=${2:-8080}
here=$(cd "$(dirname "$0")" && pwd)
zen="${ZENML_AIRFLOW_BIN:-zenml-airflow}"

export ZENML_AIRFLOW_CONFIG_DIR="$demo_dir/config"
cd "$demo_dir"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "A repository with an Airflow stack (default stores, airflow orchestrator on port $port)"
"$zen" init .
"$zen" orchestrator register airflow --flavor airflow \
    --airflow_home="$demo_dir/airflow" --api_url="http://localhost:$port"
"$zen" stack register airflow -o airflow -m default -a default --set
"$zen" stack describe

stop_airflow() {
    if [ "${KEEP:-0}" = "1" ]; then
        echo "Airflow keeps running (KEEP=1): http://localhost:$port - stop it with:"
        echo "  ZENML_AIRFLOW_CONFIG_DIR=$demo_dir/config $zen stack down"
    else
        step "Stopping Airflow"
        "$zen" stack down
    fi
}
trap stop_airflow EXIT

step "Starting a local Airflow"
"$zen" stack up

step "Compiling and deploying the pipeline, triggering it and waiting for the run"
"$zen" pipeline deploy "$here/pipeline.py:training" --trigger --wait

step "The run, read back from the metadata store"
"$zen" pipeline runs mnist_pipeline
run=$("$zen" pipeline runs mnist_pipeline --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["name"])')
"$zen" pipeline describe-run "$run"
python - <<'PY'
from zenml_airflow import Repository

run = Repository().get_pipeline("mnist_pipeline").runs[-1]
accuracy = run.get_step("evaluator").output.read()
print(f"\nTest accuracy of run '{run.name}': {accuracy:.3f}")
if run.status.value != "completed" or accuracy < 0.8:
    raise SystemExit("The demo run did not reach the expected accuracy.")
PY
echo
echo "Airflow UI: http://localhost:$port/dags/mnist_pipeline (user 'admin', password in $demo_dir/airflow/simple_auth_manager_passwords.json.generated)"
