from zenml_airflow.plugin import ZenMLAirflowPlugin  # noqa: F401 - for users of the plugins folder
