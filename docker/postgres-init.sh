#!/bin/sh
# Run once by the postgres image on first start (docker/compose.yaml): the database and login of
# the zenml-airflow metadata store, next to Airflow's own database. Register it with
#   zenml-airflow metadata-store register prod --flavor postgresql --host=postgres \
#       --database=zenml --username=zenml --password='{{zenml_db.password}}'
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v password="$ZENML_DB_PASSWORD" <<'SQL'
CREATE ROLE zenml LOGIN PASSWORD :'password';
CREATE DATABASE zenml OWNER zenml ENCODING 'UTF8';
SQL
