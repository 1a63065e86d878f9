# A seed-era step that reads a secret through its StepContext.
from zenml.pipelines import pipeline
from zenml.repository import Repository
from zenml.steps import StepContext, step


@step
def read_secret(context: StepContext) -> str:
    secret = context.stack.secrets_manager.get_secret("creds")
    return ",".join(f"{key}={value}" for key, value in sorted(secret.content.items()))


@pipeline
def secret_pipeline(read_secret):
    read_secret()


if __name__ == "__main__":
    secret_pipeline(read_secret=read_secret()).run()
    value = Repository().get_pipeline("secret_pipeline").runs[-1].get_step("read_secret").output.read()
    print(f"step saw: {value}")
