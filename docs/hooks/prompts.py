"""MkDocs hook: write the question reference (prompts.md) from copier.yml at build time.

docs/prompts.md holds an introduction and the marker below; this hook replaces
the marker with one section per question of copier.yml (name, help text, rule, type,
default, choices, condition), so the page cannot drift from the template.

The rule and the words for a computed default come from the help text, by the
convention copier.yml states: a help text's first sentence is "<Subject>, <rule>."
(a computed value's rule says how it is computed), and a sentence starting
"Default: " describes the Jinja default of an asked question in words. A question
without help text, or whose help text breaks that convention, is logged as a
warning, which fails ``mkdocs build --strict``.
"""

from __future__ import annotations

import html
import json
import logging
import re
from pathlib import Path
from typing import Any

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

MARKER = "<!-- copier-questions -->"
PAGE = "prompts.md"
ANSWERS_FILE = ".copier-answers.yml"

# Under the "mkdocs" logger, so that --strict counts its warnings.
log = logging.getLogger("mkdocs.hooks.prompts")

_copier_yml: Path | None = None


def load_questions(path: Path) -> dict[str, dict[str, Any]]:
    """The questions of a copier.yml, in file order; settings (``_name``) are left out."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise PluginError(f"cannot read the questions from {path}: {error}") from error
    if not isinstance(data, dict):
        raise PluginError(f"{path} is not a mapping of questions")
    questions: dict[str, dict[str, Any]] = {}
    for name, spec in data.items():
        if str(name).startswith("_"):
            continue
        # Copier's short form `name: default` is a question with only a default.
        questions[str(name)] = spec if isinstance(spec, dict) else {"default": spec}
    return questions


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def is_jinja(value: Any) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def markdown_text(text: str) -> str:
    """``text`` as literal Markdown: HTML special characters and Markdown syntax escaped."""
    escaped = html.escape(one_line(text), quote=False)
    escaped = re.sub(r"([\\`*_\[\]])", r"\\\1", escaped)
    # A paragraph must not turn into a heading or a list.
    return re.sub(r"^([#+-]|\d+\.)", r"\\\1", escaped)


def code(value: Any) -> str:
    """An inline code span that holds ``value`` whatever backticks it contains."""
    text = one_line(value if isinstance(value, str) else json.dumps(value))
    fence = "`"
    while fence in text:
        fence += "`"
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def expression(template: str) -> str:
    """The Jinja expression inside ``{{ ... }}``, or the whole template if it is more than that."""
    match = re.fullmatch(r"\s*\{\{(.*)\}\}\s*", template, flags=re.DOTALL)
    return one_line(match.group(1)) if match and "{{" not in match.group(1) else one_line(template)


def sentences(text: str) -> list[str]:
    """The sentences of a help text: split after a full stop that a space follows."""
    return [part for part in re.split(r"(?<=\.)\s+", one_line(text)) if part]


def rule(name: str, spec: dict[str, Any]) -> str:
    """The rule a help text opens with: its first sentence after the subject and a comma."""
    first = sentences(str(spec.get("help") or ""))
    _subject, comma, stated = first[0].removesuffix(".").partition(", ") if first else ("", "", "")
    if not comma or not stated:
        log.warning(
            "copier.yml: the help text of question '%s' does not open with '<Subject>, <rule>.'",
            name,
        )
        return ""
    return stated


def default_in_words(name: str, spec: dict[str, Any]) -> str:
    """What a Jinja default computes, in the help text's words."""
    if spec.get("when", True) is False:
        return rule(name, spec)
    for sentence in sentences(str(spec.get("help") or "")):
        if sentence.startswith("Default: "):
            return sentence.removeprefix("Default: ").removesuffix(".")
    log.warning(
        "copier.yml: question '%s' has a computed default that no help sentence "
        "'Default: ...' describes",
        name,
    )
    return ""


def table_cell(text: str) -> str:
    """``text`` as Markdown that a table cell holds: its pipes escaped."""
    return markdown_text(text).replace("|", "\\|")


def literal(value: Any) -> str:
    if value == "":
        return "empty"
    if isinstance(value, list):
        return ", ".join(code(item) for item in value) if value else "none"
    return code(value)


def describe_default(name: str, spec: dict[str, Any]) -> str:
    if "default" not in spec:
        return "none"
    default = spec["default"]
    if is_jinja(default):
        words = default_in_words(name, spec)
        return f"computed: {markdown_text(words)}" if words else "computed"
    return literal(default)


def describe_choice(label: str, value: Any) -> str:
    """A choice as its value and label, without the value twice when the label repeats it."""
    label = one_line(label)
    rest = label.removeprefix(str(value))
    if rest == label or rest[:1] not in ("", ":", " "):
        return f"{code(value)}: {markdown_text(label)}"
    if not rest.strip():
        return code(value)
    if rest.startswith(":"):
        return f"{code(value)}: {markdown_text(rest[1:].strip())}"
    return f"{code(value)} {markdown_text(rest.strip())}"


def describe_choices(choices: Any) -> list[str]:
    if isinstance(choices, dict):
        return [describe_choice(str(label), value) for label, value in choices.items()]
    if isinstance(choices, list):
        return [code(value) for value in choices]
    return [code(choices)]


def describe_asked(spec: dict[str, Any]) -> str:
    when = spec.get("when", True)
    if when is False:
        return (
            f"never: computed from other answers; not stored in `{ANSWERS_FILE}`, "
            "so `copier update` computes it afresh"
        )
    if when is True:
        return "always"
    if is_jinja(when):
        return f"only when {code(expression(when))}"
    return f"only when {code(when)}"


def render_question(name: str, spec: dict[str, Any]) -> str:
    help_text = str(spec.get("help") or "").strip()
    if not help_text:
        log.warning("copier.yml: question '%s' has no help text", name)
    stated = rule(name, spec) if help_text else ""
    computed = spec.get("when", True) is False
    kind = code(spec.get("type", "yaml"))
    if spec.get("multiselect"):
        kind += ", several choices (multiselect)"
    lines = [
        f"### `{name}` {{ #{name} }}",
        "",
        markdown_text(help_text) if help_text else "*No help text.*",
        "",
    ]
    if "validator" in spec:
        lines.append(
            f"- **Rule:** {markdown_text(stated)} (a wrong answer is refused with a message "
            "that leads with the rule it breaks, and nothing is rendered)"
        )
    lines += [
        f"- **Type:** {kind}",
        f"- **Default:** {describe_default(name, spec)}",
    ]
    if "choices" in spec:
        choices = describe_choices(spec["choices"])
        if len(choices) > 6:
            lines.append(f"- **Choices:** {', '.join(choices)}")
        else:
            lines.append("- **Choices:**")
            lines.extend(f"    - {choice}" for choice in choices)
    lines.append(f"- **Asked:** {describe_asked(spec)}")
    if computed:
        lines.append("- **Computed value**")
    return "\n".join(lines) + "\n"


def summary_row(name: str, spec: dict[str, Any]) -> str:
    default = spec.get("default")
    shown = "computed" if is_jinja(default) else literal(default) if "default" in spec else "none"
    when = spec.get("when", True)
    asked = "computed" if when is False else "always" if when is True else "conditional"
    kind = code(spec.get("type", "yaml"))
    stated = table_cell(rule(name, spec)) if spec.get("help") else ""
    return f"| [`{name}`](#{name}) | {stated} | {kind} | {shown} | {asked} |"


def render_reference(questions: dict[str, dict[str, Any]]) -> str:
    asked = {name: spec for name, spec in questions.items() if spec.get("when", True) is not False}
    computed = {name: spec for name, spec in questions.items() if name not in asked}
    parts = [
        "## Summary",
        "",
        (
            f"{len(asked)} questions and {len(computed)} computed values, in the order of "
            "`copier.yml` (the order Copier asks in)."
        ),
        "",
        "| Name | Rule or value | Type | Default | Asked |",
        "| --- | --- | --- | --- | --- |",
        *(summary_row(name, spec) for name, spec in questions.items()),
        "",
        "## Questions",
        "",
        *(render_question(name, spec) for name, spec in asked.items()),
    ]
    if computed:
        parts += [
            "## Computed values",
            "",
            (
                "Copier never asks these: they follow from the answers above and are available "
                "to the template's files as variables."
            ),
            "",
            *(render_question(name, spec) for name, spec in computed.items()),
        ]
    return "\n".join(parts)


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    global _copier_yml
    _copier_yml = Path(config.config_file_path).resolve().parent / "copier.yml"
    if not _copier_yml.is_file():
        raise PluginError(f"no copier.yml next to {config.config_file_path}")
    return config


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        raise PluginError(f"docs/{PAGE} lacks the marker {MARKER} that the questions replace")
    assert _copier_yml is not None
    return markdown.replace(MARKER, render_reference(load_questions(_copier_yml)))


def on_serve(server: LiveReloadServer, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
    # `mkdocs serve` rebuilds the page when the questions change.
    if _copier_yml is not None:
        server.watch(str(_copier_yml))
    return server
