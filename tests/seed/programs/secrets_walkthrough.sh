# The seed's secrets and profiles pages, command by command (the tests apply the documented rename).
set -euo pipefail
zenml profile list
zenml profile create zenml
zenml profile set zenml
zenml stack register local -m default -a default -o default
zenml secrets-manager register local_secrets -t local
zenml stack register secret_stack -m default -a default -o default -x local_secrets
zenml stack set secret_stack
zenml secret register creds -s arbitrary -k username -v aria
zenml secret update creds -k username -v very-secret
zenml secret register plain -k key -v value
zenml secret get creds
zenml secret get plain
zenml secret list
python use_secret.py
zenml secret delete plain -y
zenml secret list
