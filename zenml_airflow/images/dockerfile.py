"""The Dockerfile of a pipeline image, rendered from the template ``step.Dockerfile`` beside this
module (package data; ``docker/step.Dockerfile`` in the repository is a link to it).

Layers go from what changes least to what changes most, so a code-only change rebuilds only the
last layer (about a second) and pushes only that layer:

1. the parent image (``local/python:3.11-bookworm`` here, ``python:3.11-slim-bookworm`` by default);
2. a virtualenv at ``/opt/zenml-venv`` with the pinned requirements (``requirements.txt``,
   ``constraints.txt``): zenml-airflow's dependencies, the pipeline's integrations, the user's;
3. zenml-airflow itself, from the wheel of the running installation, installed without deps;
4. the user's code: source root ``n`` at ``/app/n``, on ``PYTHONPATH``.

The template is a valid Dockerfile by itself (its ``ARG`` defaults stand for a one-root pipeline),
so hadolint checks the file users read. Rendering drops the template's ``#:`` comments, replaces
each known ``ARG`` by its value and writes the code block once per pipeline, so the rendered text
needs no build arguments and, hashed into the image tag, names everything the image is made of.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources

from zenml_airflow.images.errors import ImageBuildError
from zenml_airflow.images.inputs import IMAGE_CODE_DIR

#: Bumped when the template changes in a way that must give new tags.
DOCKERFILE_VERSION = 1
#: The template's file name inside this package.
TEMPLATE_NAME = "step.Dockerfile"
VENV = "/opt/zenml-venv"
BUILD_DIR = "/opt/zenml-build"
#: Image label holding the source root mapping (JSON: compiling machine path -> image path).
SOURCE_ROOTS_LABEL = "io.zenml-airflow.source-roots"
#: Image label holding the content-addressed tag, so an image found by id can be recognised.
RECIPE_LABEL = "io.zenml-airflow.recipe"

_TEMPLATE_COMMENT = "#:"
_BEGIN_CODE = "#: begin code"
_END_CODE = "#: end code"
_ARG = re.compile(r"ARG ([A-Z_][A-Z0-9_]*)=")
_PLACEHOLDER = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}")


@cache
def template_text() -> str:
    """The template as shipped in the installed package."""
    return resources.files("zenml_airflow.images").joinpath(TEMPLATE_NAME).read_text("utf-8")


def _code_block(root_mapping: Mapping[str, str], recipe: str) -> list[str]:
    lines = []
    image_paths = list(root_mapping.values())
    for index, image_path in enumerate(image_paths):
        lines.append(f"COPY code/{index} {image_path}")
    if image_paths:
        lines.append(f"ENV PYTHONPATH={':'.join(image_paths)}")
        lines.append(f"WORKDIR {image_paths[0]}")
    else:
        lines.append(f"WORKDIR {IMAGE_CODE_DIR}")
    labels = {SOURCE_ROOTS_LABEL: json.dumps(dict(root_mapping), sort_keys=True)}
    if recipe:
        labels[RECIPE_LABEL] = recipe
    # json.dumps quotes and escapes each value the way a Dockerfile LABEL accepts.
    lines.append("LABEL " + " ".join(f"{k}={json.dumps(v)}" for k, v in labels.items()))
    return lines


def render_template(template: str, values: Mapping[str, str], code: list[str]) -> str:
    """``template`` with its ``#:`` lines dropped, the ``ARG``s named in ``values`` replaced by
    them and the code block replaced by ``code``.

    Raises:
        ImageBuildError: when the template lacks the code block or leaves a value's placeholder
            unreplaced (a template edited out of step with this renderer).
    """
    lines: list[str] = []
    in_code = found_code = False
    for line in template.splitlines():
        stripped = line.strip()
        if stripped == _BEGIN_CODE:
            in_code = found_code = True
            lines.extend(code)
            continue
        if stripped == _END_CODE:
            in_code = False
            continue
        if in_code or stripped.startswith(_TEMPLATE_COMMENT):
            continue
        declared = _ARG.match(stripped)
        if declared and declared.group(1) in values:
            continue
        lines.append(_PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), line))
    text = "\n".join(lines) + "\n"
    left = sorted({name for name in _PLACEHOLDER.findall(text) if name in values})
    if not found_code or in_code or left:
        raise ImageBuildError(
            f"The step image template {TEMPLATE_NAME} is out of step with its renderer "
            f"(code block found: {found_code}, closed: {not in_code}, placeholders left: "
            f"{left}). Reinstall zenml-airflow; when editing the template, keep its "
            f"'{_BEGIN_CODE}' / '{_END_CODE}' markers and ARG names."
        )
    return text


def render_dockerfile(
    parent_image: str, wheel_name: str, root_mapping: Mapping[str, str], recipe: str = ""
) -> str:
    """The Dockerfile text; the build context holds ``requirements.txt``, ``constraints.txt``,
    the wheel ``wheel_name`` and ``code/<n>/`` for each source root."""
    values = {
        "PARENT_IMAGE": parent_image,
        "TEMPLATE_VERSION": str(DOCKERFILE_VERSION),
        "ZENML_AIRFLOW_WHEEL": wheel_name,
    }
    return render_template(template_text(), values, _code_block(root_mapping, recipe))
