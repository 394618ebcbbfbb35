"""Every question has help text, and every bad answer is refused with a message that leads with its rule.

Copier prints a help text, a choice label and a validator's message on one line that the
terminal cuts: at 80 columns a help text keeps 77 characters after the "🎤 " mark, and a
message keeps what is left after Copier's "Validation error for question '<name>': " (28 to
43 characters). So the rule and its figures come first.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import (
    ROOT,
    help_rule,
    help_sentences,
    render,
    shows_figure,
    tool,
    validator_bounds,
)

QUESTIONS = {
    name: spec
    for name, spec in yaml.safe_load((ROOT / "copier.yml").read_text()).items()
    if not name.startswith("_")
}
VALIDATED = sorted(name for name, spec in QUESTIONS.items() if "validator" in spec)
ASKED = sorted(name for name, spec in QUESTIONS.items() if spec.get("when") is not False)
COLUMNS = 80
# Copier 9.19.1: Question.validate_answer raises ValueError(f"Validation error for question
# '{var_name}': {message}"), with --data and --defaults as well as in the interactive prompt.
PREFIX = "Validation error for question '{}': "
# The part of a message that must carry its rule, as the issue asks.
RULE_WIDTH = 76


def first_sentence(name: str) -> str:
    return help_sentences(QUESTIONS[name]["help"])[0]


def rule(name: str) -> str:
    return help_rule(QUESTIONS[name]["help"])


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_every_question_has_help_text(name: str) -> None:
    assert str(QUESTIONS[name].get("help", "")).strip(), f"{name} has no help text"


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_every_question_has_a_default(name: str) -> None:
    assert "default" in QUESTIONS[name], f"{name} has no default"


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_a_help_text_opens_with_its_subject_and_rule(name: str) -> None:
    # The docs' Questions page shows the part after the subject as the rule.
    subject, _, stated = first_sentence(name).partition(", ")
    assert subject and stated.strip(" ."), (
        f"{name}: {first_sentence(name)!r} is not 'Subject, rule.'"
    )


@pytest.mark.parametrize("name", ASKED)
def test_a_help_text_states_its_rule_within_one_terminal_line(name: str) -> None:
    # "🎤 " takes three columns before the help text.
    sentence = first_sentence(name)
    assert len(sentence) <= COLUMNS - 3, f"{name}: the rule is cut at 80 columns: {sentence!r}"


@pytest.mark.parametrize("name", VALIDATED)
def test_a_help_text_states_the_bounds_its_validator_checks(name: str) -> None:
    figures = validator_bounds(QUESTIONS[name]["validator"])
    missing = sorted(figure for figure in figures if not shows_figure(rule(name), figure))
    assert not missing, f"{name}: {rule(name)!r} leaves out the bounds {missing}"


@pytest.mark.parametrize("name", sorted(name for name in QUESTIONS if "choices" in QUESTIONS[name]))
def test_a_choice_label_fits_a_terminal_line(name: str) -> None:
    choices = QUESTIONS[name]["choices"]
    labels = [str(label) for label in choices]
    # A multiselect row starts with " » ● " (five columns), a select row with " » ".
    too_long = [label for label in labels if len(label) > COLUMNS - 5]
    assert not too_long, f"{name}: labels cut at 80 columns: {too_long}"


FIFO = {"queue_type": "fifo"}
FIFO_FIXED = {**FIFO, "fifo_group_strategy": "fixed"}

# (answers, the question whose validator refuses them, what its message starts with,
#  what else must stand in its first 76 characters). The lead is what an 80-column
# terminal shows of the message.
REFUSED: list[tuple[dict[str, Any], str, str, tuple[str, ...]]] = [
    ({"project_name": "  "}, "project_name", "1-64 chars", ("not blank", 'got "  "')),
    ({"project_name": "x" * 65}, "project_name", "1-64 chars", ("got 65 chars",)),
    ({"project_name": "a\tb"}, "project_name", "1-64 chars", ("no newline, tab",)),
    ({"project_slug": "ab"}, "project_slug", "3-40 chars", ("a-z, 0-9, single hyphens",)),
    ({"project_slug": "My Service"}, "project_slug", "3-40 chars", ("a-z, 0-9",)),
    ({"project_slug": "a" * 41}, "project_slug", "3-40 chars", ("a-z",)),
    ({"project_slug": "service-"}, "project_slug", "3-40 chars", ("no hyphen last",)),
    ({"project_slug": "9lives"}, "project_slug", "3-40 chars", ("letter first",)),
    ({"project_slug": "a--b"}, "project_slug", "3-40 chars", ("single hyphens",)),
    ({"project_slug": "class"}, "project_slug", "not a Python keyword", ('got "class"',)),
    (
        {"project_slug": "tests"},
        "project_slug",
        "not conftest, helpers",
        ("infra, local or tests",),
    ),
    ({"description": "x" * 181}, "description", "at most 180 chars", ("got 181 chars",)),
    ({"description": "a\nb"}, "description", "at most 180 chars", ("no newline",)),
    ({"author": "Ann\nBob"}, "author", "one line", ("no newline, tab",)),
    ({**FIFO, "fifo_group_field": "1st"}, "fifo_group_field", "1-48 chars", ("no digit first",)),
    ({**FIFO, "fifo_group_field": "a-b"}, "fifo_group_field", "1-48 chars", ("A-Z, a-z, 0-9, _",)),
    ({**FIFO_FIXED, "fifo_group_id": "has space"}, "fifo_group_id", "1-50 chars", ("!#$%&",)),
    ({**FIFO_FIXED, "fifo_group_id": "a" * 51}, "fifo_group_id", "1-50 chars", ("A-Z, a-z, 0-9",)),
    (
        {"runtime": "nodejs22.x", "iac": "sam"},
        "iac",
        "terraform only with Node.js",
        ("got iac=sam, runtime=nodejs22.x",),
    ),
    ({"runtime": "nodejs24.x", "iac": "cdk"}, "iac", "terraform only", ("iac=cdk",)),
    ({"job_types": []}, "job_types", "at least one of send_email", ("generate_report, webhook",)),
    ({"email_from": "noreply"}, "email_from", "an address of at most 70", ("noreply@example.com",)),
    ({"email_from": "a" * 59 + "@example.com"}, "email_from", "an address of at most 70", ()),
    ({"aws_region": "Europe"}, "aws_region", "a region name such as eu-west-1", ('got "Europe"',)),
    ({"lambda_timeout": 0}, "lambda_timeout", "1-900 s; got 0", ()),
    ({"lambda_timeout": 901}, "lambda_timeout", "1-900 s; got 901", ()),
    ({"lambda_memory": 64}, "lambda_memory", "128-10240 MB; got 64", ()),
    ({"lambda_memory": 10241}, "lambda_memory", "128-10240 MB; got 10241", ()),
    ({**FIFO, "batch_size": 11}, "batch_size", "1-10 for a FIFO queue; got 11", ()),
    ({**FIFO, "batch_size": 0}, "batch_size", "1-10 for a FIFO queue; got 0", ()),
    ({"batch_size": 0}, "batch_size", "1-10000 for a standard queue; got 0", ()),
    ({"batch_size": 10001, "batching_window": 1}, "batch_size", "1-10000 for a standard", ()),
    ({"batching_window": 301}, "batching_window", "0-300 s; got 301", ()),
    ({"batching_window": -1}, "batching_window", "0-300 s; got -1", ()),
    (
        {"batch_size": 100, "batching_window": 0},
        "batching_window",
        "at least 1 s for batch_size 100",
        ("(above 10); got 0",),
    ),
    (
        {"visibility_timeout": 100},
        "visibility_timeout",
        "at least 300 s",
        ("(6 x 50 s timeout + 0 s window); got 100 s",),
    ),
    (
        {"lambda_timeout": 60, "batch_size": 50, "batching_window": 5, "visibility_timeout": 364},
        "visibility_timeout",
        "at least 365 s",
        ("(6 x 60 s timeout + 5 s window); got 364 s",),
    ),
    (
        {**FIFO, "lambda_timeout": 60, "visibility_timeout": 359},
        "visibility_timeout",
        "at least 360 s",
        ("6 x 60 s timeout + 0 s window",),
    ),
    ({"visibility_timeout": 43201}, "visibility_timeout", "at most 43200 s", ("got 43201 s",)),
    ({"max_receive_count": 0}, "max_receive_count", "1-1000 attempts; got 0", ()),
    ({"max_receive_count": 1001}, "max_receive_count", "1-1000 attempts; got 1001", ()),
    ({"message_retention": 59}, "message_retention", "60-1209600 s", ("14 days); got 59",)),
    ({"message_retention": 1209601}, "message_retention", "60-1209600 s", ("got 1209601",)),
    (
        {"retry_backoff_base_seconds": 43201},
        "retry_backoff_base_seconds",
        "0-43200 s; got 43201",
        ("12 hours",),
    ),
    (
        {"retry_backoff_base_seconds": 60, "retry_backoff_max_seconds": 59},
        "retry_backoff_max_seconds",
        "60-43200 s",
        ("got 59",),
    ),
    # The defaults' retries (120 s doubling, 5 attempts) take 1800 s at the most.
    (
        {"message_retention": 1800},
        "message_retention",
        "above 1800 s; got 1800",
        ("The retries take up to 1800 s",),
    ),
    ({"max_concurrency": 1}, "max_concurrency", "0 (unset) or 2-1000; got 1", ()),
    ({"max_concurrency": 1001}, "max_concurrency", "0 (unset) or 2-1000; got 1001", ()),
    ({"max_concurrency": -1}, "max_concurrency", "0 (unset) or 2-1000; got -1", ()),
    ({"alarm_email": "ops-at-example"}, "alarm_email", "empty or an address of at", ("70 chars",)),
    ({"alarm_email": " "}, "alarm_email", "empty or an address", ('got " "',)),
]


def test_every_branch_of_every_validator_has_a_bad_answer() -> None:
    cases: dict[str, int] = {}
    for _, question, _, _ in REFUSED:
        cases[question] = cases.get(question, 0) + 1
    for name in VALIDATED:
        branches = len(re.findall(r"\{%-?\s*(?:if|elif)\b", QUESTIONS[name]["validator"]))
        assert cases.get(name, 0) >= branches, (
            f"{name}: {cases.get(name, 0)} bad answers for a validator of {branches} branches"
        )


@pytest.mark.parametrize(
    ("answers", "question", "lead", "rule_parts"),
    REFUSED,
    ids=[f"{question}-{answers}"[:70] for answers, question, *_ in REFUSED],
)
def test_a_bad_answer_is_refused_with_its_rule_first(
    tmp_path: Path, answers: dict[str, Any], question: str, lead: str, rule_parts: tuple[str, ...]
) -> None:
    destination = tmp_path / "service"

    with pytest.raises(ValueError) as refusal:
        render(destination, **answers)

    shown = str(refusal.value)
    prefix = PREFIX.format(question)
    assert shown.startswith(prefix), shown
    message = shown.removeprefix(prefix)
    # What an 80-column terminal shows of the message in the interactive prompt.
    visible = message[: COLUMNS - len(prefix)]
    assert message.startswith(lead), f"the message does not start with {lead!r}: {message!r}"
    assert lead in visible, f"{lead!r} is cut at 80 columns: {visible!r}"
    for part in rule_parts:
        assert part in message[:RULE_WIDTH], f"{part!r} not in the first 76 chars of {message!r}"
    assert not destination.exists()


# Answers outside a question's choices: Copier's own message, which names the choices.
NOT_A_CHOICE: list[tuple[dict[str, Any], str]] = [
    (
        {"runtime": "nodejs20.x"},
        "'nodejs20.x' is not in ['python3.13', 'python3.14', 'python3.12', 'nodejs22.x', 'nodejs24.x']",
    ),
    ({"runtime": "python3.11"}, "is not in"),
    ({"queue_type": "priority"}, "'priority' is not in ['standard', 'fifo']"),
    ({"iac": "pulumi"}, "'pulumi' is not in ['terraform', 'sam', 'cdk']"),
    ({"job_types": ["send_sms"]}, "send_sms"),
    ({"lambda_architecture": "arm"}, "is not in ['arm64', 'x86_64']"),
    ({"log_retention_days": 10}, "is not in"),
    ({**FIFO, "fifo_group_strategy": "random"}, "is not in ['payload_field', 'fixed']"),
]


@pytest.mark.parametrize(("answers", "message"), NOT_A_CHOICE, ids=lambda value: str(value)[:60])
def test_an_answer_outside_the_choices_is_refused(
    tmp_path: Path, answers: dict[str, Any], message: str
) -> None:
    destination = tmp_path / "service"

    with pytest.raises(ValueError) as refusal:
        render(destination, **answers)

    assert message in str(refusal.value)
    assert not destination.exists()


def copier_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("copier"), "copy", "--defaults", "--vcs-ref", "HEAD", *arguments],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_cli_renders_without_trust(tmp_path: Path) -> None:
    result = copier_cli(str(ROOT), str(tmp_path / "svc"))

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "svc" / ".copier-answers.yml").is_file()


def test_the_cli_refuses_a_bad_answer_with_its_rule_on_the_last_line(tmp_path: Path) -> None:
    # Copier 9.19.1's CLI turns only UserMessageError (and UnsafeTemplateError) into a plain
    # message; a validator's refusal is a ValueError, so it ends a traceback. A template cannot
    # change that: Question.validate_answer raises ValueError whatever the validator does.
    result = copier_cli("--data", "lambda_timeout=0", str(ROOT), str(tmp_path / "svc"))

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith(
        "ValueError: Validation error for question 'lambda_timeout': 1-900 s; got 0."
    ), result.stderr
    assert not (tmp_path / "svc").exists()
