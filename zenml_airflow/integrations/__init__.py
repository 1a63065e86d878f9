"""The seed's ``zenml.integrations``: integration constants, requirements and the code that makes
an ML library's objects pass between steps (materializers, standard steps, helpers)."""
