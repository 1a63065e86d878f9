# A production Airflow image with zenml-airflow: Apache Airflow 3.3, zenml-airflow and the
# providers and libraries it drives, every package at the version constraints.txt pins (the
# versions the test suite runs). Run any Airflow command with it: `docker run IMAGE version`,
# `docker run IMAGE scheduler`, ... (see docs/containers.md, "The production Airflow image").
#
# The build context is a directory holding constraints.txt and the zenml-airflow wheel:
#   pip wheel --no-deps -w dist . && cp constraints.txt dist/
#   docker build -f docker/airflow.Dockerfile -t zenml-airflow/airflow:3.3 dist
# PARENT_IMAGE is any Debian-based image with python3 (3.11+) and its venv module; the default is
# the image scripts/docker.sh builds without Docker Hub (python:3.11-slim-bookworm works too).
ARG PARENT_IMAGE=local/python:3.11-bookworm
FROM ${PARENT_IMAGE}

ARG AIRFLOW_VERSION=3.3.2
ENV AIRFLOW_HOME=/opt/airflow \
    VIRTUAL_ENV=/opt/airflow-venv \
    PATH=/opt/airflow-venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# Airflow's own conventions: user `airflow` with uid 50000 in group 0 (OpenShift-friendly).
RUN python3 -m venv /opt/airflow-venv \
    && useradd --uid 50000 --gid 0 --home-dir /opt/airflow --create-home --shell /bin/bash airflow

# Airflow and the providers in a layer of their own, below zenml-airflow: a new zenml-airflow
# wheel rebuilds only the small layer after it.
COPY constraints.txt /opt/airflow-build/
RUN pip install --constraint /opt/airflow-build/constraints.txt \
        "apache-airflow==${AIRFLOW_VERSION}" \
        apache-airflow-providers-standard \
        apache-airflow-providers-cncf-kubernetes \
        apache-airflow-providers-celery

# zenml-airflow with the extras a deployment uses: the docker SDK (docker step operator, images),
# Kubernetes (kubernetes step operator), the CeleryExecutor, PostgreSQL and MySQL metadata
# stores, S3 and GCS artifact stores.
ARG ZENML_AIRFLOW_WHEEL=zenml_airflow-0.1.0-py3-none-any.whl
ARG ZENML_AIRFLOW_EXTRAS=airflow,docker,kubernetes,celery,postgres,mysql,s3,gcs
COPY ${ZENML_AIRFLOW_WHEEL} /opt/airflow-build/
RUN pip install --constraint /opt/airflow-build/constraints.txt \
        "/opt/airflow-build/${ZENML_AIRFLOW_WHEEL}[${ZENML_AIRFLOW_EXTRAS}]" \
    && python -c "import zenml_airflow"

USER 50000
WORKDIR /opt/airflow
ENTRYPOINT ["airflow"]
CMD ["version"]
