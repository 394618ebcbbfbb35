"""Nasty answers: quotes, braces, Jinja and shell syntax, control and non-ASCII characters.

Every free-text answer is either refused with a message that says what is allowed (and
nothing is rendered), or rendered as data: every rendered file that has a syntax still
parses and carries the answer unchanged, and no answer is ever evaluated as Jinja.

What each question accepts, and why:

- project_name, description, author: any one line of text (quotes, backslashes, braces,
  Jinja, shell and YAML/TOML syntax, any script or emoji). They are written only where they
  are escaped (pyproject.toml, template.yaml) or where they are prose (README.md), never
  into Python, Terraform or the Makefile. Refused: control characters (newlines, tabs),
  a project name over 64 and a description over 180 characters (with the name, a SAM stack
  description must stay under CloudFormation's 1024 bytes; a description is one sentence).
- project_slug, aws_region, fifo_group_field: fixed ASCII patterns, so they are safe as
  names, paths and unquoted words; a trailing newline is refused too. The slug names the
  package too: a Python keyword or the name of one of the project's own modules is refused.
- email_from, alarm_email: plain ASCII addresses of at most 70 characters, so they can go
  into Python and HCL strings and shell commands in the README unquoted and fit a line.
- fifo_group_id: what SQS allows except quotes, backslashes and backticks, at most 50
  characters (it is written into Python strings and an RST literal on a 100-character line).
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import subprocess
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, interpreter_for, render, tool

QUESTIONS: dict[str, dict[str, Any]] = {
    name: spec
    for name, spec in yaml.safe_load((ROOT / "copier.yml").read_text()).items()
    if not name.startswith("_")
}
SLUG = "nasty-svc"
FIFO_FIXED = {"queue_type": "fifo", "fifo_group_strategy": "fixed"}
FIFO_FIELD = {"queue_type": "fifo", "fifo_group_strategy": "payload_field"}
IACS = ("terraform", "sam", "cdk")

# One line each, at most 64 characters: usable as project name, description and author.
PROSE = {
    "double-quotes": 'The "queue" service """ ends with a quote "',
    "single-quotes": "O'Brien's queue ''' ends with a quote '",
    "backslashes": "C:\\new\\table \\\\ \\u00e9 \\N{DASH} \\x ends with a backslash \\",
    "jinja": "{{ 7*7 }} {{ project_slug }} {% if 1 %}yes{% endif %} {# c #} {%",
    "ci-and-hcl": "${{ secrets.AWS_SECRET }} ${var.aws_region} %{ if 1 }x%{ endif }",
    "shell": "$(rm -rf /) `reboot`; ls | cat & wait && echo $HOME > x",
    "yaml-special": "- dash: key: value # note [a] {b: c} *alias &anchor !Ref | >",
    "toml-and-markup": '[section] key = "v" # no comment <script>x</script> **b** |a|',
    "non-ascii": "Café – naïve ’quoted’ «漢字» 🚀 👩\u200d💻 Ωμέγα",
    "spaces-around": "  leading and trailing spaces  ",
}

# The longest accepted answers, full of the same characters.
LONG_NAME = ('"{{ x }}" ' + "é漢🚀'\\$(id)`;|&#*" * 4)[:64]
LONG_DESCRIPTION = ("Said \"{{ 7*7 }}\" & '${{ a }}' \\ é漢字🚀 #: [x] *y &z; " * 5)[:180]
LONG_AUTHOR = ('O\'Brien, "Bob" <bob@example.com> & 漢字 {% raw %} \\ ' * 40).strip()
LONG_EMAIL = "first.last+tag_" + "a" * 34 + "@mail.example-1.co.uk"
LONG_GROUP_ID = ("{{x}}${{y}}$(id);|&#*[]<>!?%@^~/:=,." * 2)[:50]
LONG_GROUP_FIELD = "_" + "Ab9_" * 11 + "xyz"

# One project per tool with every free-text answer at its longest and nastiest.
KITCHEN_SINKS = {
    "terraform": {**FIFO_FIXED, "fifo_group_id": LONG_GROUP_ID, "aws_region": "us-gov-west-1"},
    "sam": {**FIFO_FIELD, "fifo_group_field": LONG_GROUP_FIELD, "aws_region": "us-isob-east-1"},
    "cdk": {"aws_region": "ap-southeast-2"},
}

# (question, answer, other answers, part of the message that says what is allowed)
NOT_ONE_LINE = "one line: no newline, tab or other control character"
SLUG_RULE = "3-40 chars: a-z, 0-9, single hyphens, letter first, no hyphen last"
REGION_RULE = "a region name such as eu-west-1 or us-gov-west-1; got"
EMAIL_RULE = "ASCII letters, digits and . _ % + - before the @, a domain name after it"
FIELD_RULE = "1-48 chars of A-Z, a-z, 0-9, _, no digit first"
GROUP_RULE = "1-50 chars: A-Z, a-z, 0-9 and !#$%&()*+,-./:;<=>?@[]^_{|}~"
EMAIL_ANSWERS = [
    "two words@example.com",
    'quote"d@example.com',
    "o'neil@example.com",
    "back\\slash@example.com",
    "$(reboot)@example.com",
    "`id`@example.com",
    "{{ x }}@example.com",
    "ops@example.com\nBcc: all@example.com",
    "josé@example.com",
    "ops@localhost",
    ".ops@example.com",
    "a" * 59 + "@example.com",  # 71 characters
]
NAMED = {"project_slug": SLUG}
REFUSED: list[tuple[str, str, dict[str, Any], str]] = [
    *[
        ("project_name", answer, NAMED, NOT_ONE_LINE)
        for answer in ("two\nlines", "tab\there", "esc\x1b[31m", "nel\x85", "ls\u2028", "\ud800")
    ],
    ("project_name", "x" * 65, NAMED, "1-64 chars on one line; got 65 chars"),
    ("project_name", " \t\n", NAMED, "1-64 chars on one line, not blank"),
    *[
        ("description", answer, {}, NOT_ONE_LINE)
        for answer in ("first line\nsecond line", "\ttabbed", "cr\r", "\x7f")
    ],
    ("description", "x" * 181, {}, "at most 180 chars on one line; got 181 chars"),
    *[("author", answer, {}, NOT_ONE_LINE) for answer in ("Ann\nBob", "Ann\tBob")],
    *[
        ("project_slug", answer, {}, SLUG_RULE)
        for answer in ("svc\n", "my svc", "$(id)", "{{ project_name }}", '"svc"', "café", "a" * 41)
    ],
    *[("project_slug", answer, {}, "not a Python keyword") for answer in ("class", "lambda")],
    *[
        ("project_slug", answer, {}, "like one of the project's own modules")
        for answer in ("local", "helpers")
    ],
    *[
        ("aws_region", answer, {}, REGION_RULE)
        for answer in (
            "eu-west-1\n",
            "eu-west-1; rm -rf /",
            "${{ secrets.REGION }}",
            "eü-west-1",
            "us-" + "a" * 17 + "-1",
        )
    ],
    *[("email_from", answer, {}, EMAIL_RULE) for answer in EMAIL_ANSWERS],
    *[("alarm_email", answer, {}, EMAIL_RULE) for answer in EMAIL_ANSWERS[1::3]],
    ("alarm_email", " ", {}, "empty for no notifications"),
    *[
        ("fifo_group_field", answer, FIFO_FIELD, FIELD_RULE)
        for answer in ("customer-id", "{{ x }}", "id\n", "é", "a" * 49)
    ],
    *[
        ("fifo_group_id", answer, FIFO_FIXED, GROUP_RULE)
        for answer in ('a"b', "a'b", "a\\b", "a`b", "has space", "", "é", "id\n", "a" * 51)
    ],
]
FREE_TEXT = {
    "project_name",
    "description",
    "author",
    "project_slug",
    "aws_region",
    "email_from",
    "alarm_email",
    "fifo_group_field",
    "fifo_group_id",
}
# Where the answers that may hold any text end up; they must not reach code.
PROSE_QUESTIONS = ("project_name", "description", "author")


def test_every_free_text_question_is_covered() -> None:
    free_text = {
        name
        for name, spec in QUESTIONS.items()
        if spec.get("type") == "str" and "choices" not in spec and spec.get("when") is not False
    }

    assert free_text == FREE_TEXT
    assert {question for question, *_ in REFUSED} == FREE_TEXT


@pytest.mark.parametrize(
    ("question", "answer", "others", "message"),
    REFUSED,
    ids=[f"{question}-{answer!r}"[:50] for question, answer, *_ in REFUSED],
)
def test_a_nasty_answer_is_refused_with_what_is_allowed(
    tmp_path: Path, question: str, answer: str, others: dict[str, Any], message: str
) -> None:
    destination = tmp_path / "service"

    with pytest.raises(ValueError, match=r"^Validation error for question") as refusal:
        render(destination, **others, **{question: answer})

    assert f"question '{question}'" in str(refusal.value)
    assert message in str(refusal.value)
    assert not destination.exists()


@pytest.mark.parametrize(("name", "slug"), [('Café "Q"', 'café-"q"'), ("{{ 7*7 }}", "{{-7*7-}}")])
def test_a_name_that_makes_no_slug_asks_for_one(tmp_path: Path, name: str, slug: str) -> None:
    """The name itself is fine, the slug derived from it is not; nothing is evaluated."""
    destination = tmp_path / "service"

    with pytest.raises(ValueError, match="question 'project_slug'") as refusal:
        render(destination, project_name=name)

    assert f'{SLUG_RULE}; got "{slug}"' in str(refusal.value)
    assert not destination.exists()


# --- rendered answers --------------------------------------------------------------------


class CloudFormationLoader(yaml.SafeLoader):
    """A safe loader that also reads CloudFormation's short-form tags (!Ref, !Sub, !If, ...)."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _intrinsic)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=CloudFormationLoader)


def hcl_string(text: str) -> str:
    """The value of one quoted HCL string literal (without its quotes)."""
    escapes = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}
    value = re.sub(r"\\(.)", lambda match: escapes[match.group(1)], text)
    return value.replace("$${", "${").replace("%%{", "%{")


def terraform_default(infra: Path, variable: str) -> str:
    text = (infra / "variables.tf").read_text()
    block = re.search(rf'^variable "{variable}" \{{\n(.*?)^\}}', text, re.MULTILINE | re.DOTALL)
    assert block, f"no variable {variable} in infra/variables.tf"
    default = re.search(r'^\s*default\s*=\s*"((?:[^"\\]|\\.)*)"\s*$', block.group(1), re.MULTILINE)
    assert default, f"variable {variable} has no string default"
    return hcl_string(default.group(1))


def python_constants(path: Path) -> dict[str, Any]:
    """Module- and class-level ``NAME = <literal>`` assignments of a Python file."""
    constants: dict[str, Any] = {}
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and isinstance(value, ast.Constant):
            constants[target.id] = value.value
    return constants


def effective(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers with the defaults that matter here filled in."""
    defaults = {
        "iac": "terraform",
        "queue_type": "standard",
        "aws_region": "eu-west-1",
        "email_from": "noreply@example.com",
        "alarm_email": "",
    }
    return defaults | answers


# Compiles every Python file of a project with the interpreter the project is made for (the
# code uses Python 3.12 syntax; these tests may run on an older Python).
COMPILE_ALL = """
import pathlib, sys
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    compile(path.read_text(encoding="utf-8"), str(path), "exec")
"""


# Looking interpreters up runs each of them: once is enough.
python_313 = functools.cache(lambda: interpreter_for("3.13"))


def check_every_file_parses(project: Path) -> None:
    compiled = subprocess.run(
        [python_313(), "-c", COMPILE_ALL, str(project)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert compiled.returncode == 0, f"a Python file does not compile:\n{compiled.stderr}"
    for path in sorted(project.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            json.loads(text)
        elif path.suffix in {".yml", ".yaml"}:
            load_yaml(text)
        elif path.suffix == ".toml":
            tomllib.loads(text)


def check_rendered_faithfully(project: Path, answers: dict[str, Any]) -> None:
    """Every file parses, and every answer reads back unchanged where it is written."""
    given = effective(answers)
    check_every_file_parses(project)

    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    for question, answer in answers.items():
        assert recorded[question] == answer, f".copier-answers.yml changed {question}"

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert pyproject["name"] == answers["project_slug"]
    assert pyproject["description"] == answers["description"]
    assert pyproject["authors"] == [{"name": answers["author"]}]

    readme = (project / "README.md").read_text()
    assert f"# {answers['project_name']}\n\n{answers['description']}\n" in readme

    config = python_constants(project / "local" / "config.py")
    assert config["REGION"] == given["aws_region"]
    assert config["EMAIL_FROM"] == given["email_from"]
    package = project / "src" / answers["project_slug"].replace("-", "_")
    producer = python_constants(package / "producer.py")
    if given["queue_type"] == "fifo" and answers.get("fifo_group_strategy") == "fixed":
        assert producer["FIFO_GROUP_ID"] == answers.get("fifo_group_id", "default")
    elif given["queue_type"] == "fifo":
        assert producer["FIFO_GROUP_FIELD"] == answers.get("fifo_group_field", "customerId")

    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    assert given["aws_region"] in json.dumps(workflow)
    [event] = json.loads((project / "events" / "sqs-batch.json").read_text())["Records"][:1]
    assert event["awsRegion"] == given["aws_region"]

    # Answers that may hold any text never reach code, configuration or shell.
    code = [project / "Makefile", *project.rglob("*.py"), *project.rglob("*.tf")]
    for question in PROSE_QUESTIONS:
        if len(answers[question].strip()) < 10:
            continue  # too short to tell from the template's own words
        for path in code:
            assert answers[question].strip() not in path.read_text(), f"{question} in {path}"

    check_tool_files(project, given)
    check_lint_clean(project, given)


def check_tool_files(project: Path, given: dict[str, Any]) -> None:
    if given["iac"] == "terraform":
        result = subprocess.run(
            [tool("terraform"), "fmt", "-check", "-recursive", "-diff", "infra"],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"terraform fmt -check:\n{result.stdout}{result.stderr}"
        infra = project / "infra"
        assert terraform_default(infra, "aws_region") == given["aws_region"]
        assert terraform_default(infra, "service_name") == given["project_slug"]
        assert terraform_default(infra, "email_from") == given["email_from"]
        if given["alarm_email"]:
            assert terraform_default(infra, "alarm_email") == given["alarm_email"]
    elif given["iac"] == "sam":
        template = load_yaml((project / "template.yaml").read_text())
        description = f"{given['project_name']}: {given['description']}"
        assert template["Description"] == description
        assert len(description.encode()) <= 1024, "CloudFormation allows 1024 bytes"
        parameters = template["Parameters"]
        assert parameters["ServiceName"]["Default"] == given["project_slug"]
        assert parameters["EmailFrom"]["Default"] == given["email_from"]
        assert parameters["AlarmEmail"]["Default"] == given["alarm_email"]
        samconfig = tomllib.loads((project / "samconfig.toml").read_text())
        assert given["aws_region"] in json.dumps(samconfig)
    else:
        json.loads((project / "cdk.json").read_text())
        settings = python_constants(project / "infra" / "stack.py")
        assert settings["service_name"] == given["project_slug"]
        assert settings["aws_region"] == given["aws_region"]
        assert settings["email_from"] == given["email_from"]
        assert settings["alarm_email"] == given["alarm_email"]


def check_lint_clean(project: Path, given: dict[str, Any]) -> None:
    """The project's own ruff settings accept the Python files that carry answers.

    And those that import the package next to the project's other modules, whose order
    depends on how the slug sorts.
    """
    package = Path("src") / given["project_slug"].replace("-", "_")
    carriers = [
        package / "__init__.py",
        package / "producer.py",
        Path("local") / "config.py",
        Path("tests") / "conftest.py",
        Path("tests") / "test_producer.py",
        Path("tests") / "test_handler.py",
    ]
    if given["iac"] == "cdk":
        carriers.append(Path("infra") / "stack.py")
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [tool("ruff"), *command, "--no-cache", *map(str, carriers)],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"ruff {' '.join(command)}:\n{result.stdout}{result.stderr}"


PROSE_CASES = [
    pytest.param(value, IACS[index % len(IACS)], id=f"{name}-{IACS[index % len(IACS)]}")
    for index, (name, value) in enumerate(PROSE.items())
]


@pytest.mark.parametrize(("value", "iac"), PROSE_CASES)
def test_prose_answers_render_as_data(tmp_path: Path, value: str, iac: str) -> None:
    answers = {
        "iac": iac,
        "project_name": value,
        "project_slug": SLUG,
        "description": f"{value} (description)",
        "author": f"{value} (author)",
    }

    project = render(tmp_path / "svc", **answers)

    check_rendered_faithfully(project, answers)


@pytest.mark.parametrize("iac", IACS)
def test_longest_nastiest_answers_render_as_data(tmp_path: Path, iac: str) -> None:
    answers = {
        "iac": iac,
        "project_name": LONG_NAME,
        "project_slug": "a" + "-b2" * 13,
        "description": LONG_DESCRIPTION,
        "author": LONG_AUTHOR,
        "email_from": LONG_EMAIL,
        "alarm_email": LONG_EMAIL.replace("first", "alarm"),
        **KITCHEN_SINKS[iac],
    }
    assert len(answers["project_name"]) == 64
    assert len(answers["description"]) == 180
    assert len(answers["project_slug"]) == 40
    assert len(answers["email_from"]) == 70

    project = render(tmp_path / "svc", **answers)

    check_rendered_faithfully(project, answers)


def test_a_slug_that_reads_as_a_yaml_boolean_stays_a_string(tmp_path: Path) -> None:
    answers = {"iac": "sam", "project_name": "Off", "project_slug": "off"}
    answers |= {"description": "yes", "author": "null"}

    project = render(tmp_path / "svc", **answers)

    check_rendered_faithfully(project, answers)


# --- the rendered project's own workflow -------------------------------------------------

NASTY_PROJECT = {
    "project_name": 'Ünïcode "Queue" {{ 7*7 }} ${{ x }} 🚀',
    # Sorts before the project's own modules (conftest, helpers, infra, local).
    "project_slug": "acme-queue",
    "description": "Says \"hi\" & 'bye' – {% raw %} {{ project_slug }} \\ 漢字 # [x] *y",
    "author": 'O\'Brien, "Bob" & Zoë {{ author }}',
}


@pytest.mark.project
def test_a_nasty_project_passes_its_own_workflow(tmp_path: Path) -> None:
    project = render(tmp_path / "svc", **NASTY_PROJECT)
    check_rendered_faithfully(project, NASTY_PROJECT)
    env = {**os.environ, "UV_PYTHON": python_313()}

    for target in ("install", "test", "lint"):
        started = time.monotonic()
        result = subprocess.run(
            ["make", target], cwd=project, env=env, capture_output=True, text=True, check=False
        )
        print(f"make {target}: {time.monotonic() - started:.1f} s")
        assert result.returncode == 0, (
            f"make {target} failed:\n{result.stdout[-6000:]}\n{result.stderr[-4000:]}"
        )


# --- Node.js renders ----------------------------------------------------------------------

NODE = {"runtime": "nodejs22.x"}
# Where answers that may hold any text must not reach in a Node.js project: code and build files.
NODE_CODE_SUFFIXES = {".ts", ".mjs", ".js", ".tf", ".jinja"}


def ts_string_constant(path: Path, name: str) -> str:
    """The value of ``const NAME = '...'`` in a TypeScript file (answers carry no quotes)."""
    found = re.search(rf"^(?:export )?const {name} = '([^'\\]*)';$", path.read_text(), re.MULTILINE)
    assert found, f"no string constant {name} in {path}"
    return found.group(1)


def check_node_rendered_faithfully(project: Path, answers: dict[str, Any]) -> None:
    """A Node.js project: every file parses, answers read back unchanged, none reaches code."""
    given = effective(answers)
    check_every_file_parses(project)

    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    for question, answer in answers.items():
        assert recorded[question] == answer, f".copier-answers.yml changed {question}"

    package = json.loads((project / "package.json").read_text())
    assert package["name"] == answers["project_slug"]
    assert package["description"] == answers["description"]
    assert package["author"] == answers["author"]
    lock = json.loads((project / "package-lock.json").read_text())
    assert lock["name"] == lock["packages"][""]["name"] == answers["project_slug"]

    readme = (project / "README.md").read_text()
    assert f"# {answers['project_name']}\n\n{answers['description']}\n" in readme

    if given["queue_type"] == "fifo" and answers.get("fifo_group_strategy") == "fixed":
        producer = project / "src" / "producer.ts"
        assert ts_string_constant(producer, "FIFO_GROUP_ID") == answers["fifo_group_id"]
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    assert given["aws_region"] in json.dumps(workflow)

    code = [project / "Makefile"]
    code += [
        path
        for path in project.rglob("*")
        if path.suffix in NODE_CODE_SUFFIXES and "node_modules" not in path.parts
    ]
    for question in PROSE_QUESTIONS:
        if len(answers[question].strip()) < 10:
            continue  # too short to tell from the template's own words
        for path in code:
            assert answers[question].strip() not in path.read_text(), f"{question} in {path}"

    check_tool_files(project, given)


NODE_PROSE_CASES = [pytest.param(value, id=name) for name, value in PROSE.items()]


@pytest.mark.parametrize("value", NODE_PROSE_CASES)
def test_prose_answers_render_as_data_in_node(tmp_path: Path, value: str) -> None:
    answers = {
        **NODE,
        "project_name": value,
        "project_slug": SLUG,
        "description": f"{value} (description)",
        "author": f"{value} (author)",
    }

    project = render(tmp_path / "svc", **answers)

    check_node_rendered_faithfully(project, answers)


def test_longest_nastiest_answers_render_as_data_in_node(tmp_path: Path) -> None:
    answers = {
        **NODE,
        "project_name": LONG_NAME,
        "project_slug": "a" + "-b2" * 13,
        "description": LONG_DESCRIPTION,
        "author": LONG_AUTHOR,
        "email_from": LONG_EMAIL,
        "alarm_email": LONG_EMAIL.replace("first", "alarm"),
        **KITCHEN_SINKS["terraform"],
    }

    project = render(tmp_path / "svc", **answers)

    check_node_rendered_faithfully(project, answers)


@pytest.mark.project
def test_a_nasty_node_project_passes_its_own_workflow(tmp_path: Path) -> None:
    """Prettier and ESLint check the files that carry answers, so answers can break lint."""
    answers = {**NASTY_PROJECT, **NODE, **FIFO_FIXED, "fifo_group_id": LONG_GROUP_ID}
    project = render(tmp_path / "svc", **answers)
    check_node_rendered_faithfully(project, answers)
    env = {**os.environ, "UV_PYTHON": python_313()}

    for target in ("install", "test", "lint"):
        started = time.monotonic()
        result = subprocess.run(
            ["make", target], cwd=project, env=env, capture_output=True, text=True, check=False
        )
        print(f"make {target}: {time.monotonic() - started:.1f} s")
        assert result.returncode == 0, (
            f"make {target} failed:\n{result.stdout[-6000:]}\n{result.stderr[-4000:]}"
        )
