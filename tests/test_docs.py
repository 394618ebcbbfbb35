"""The documentation site builds without a warning, and its question reference matches copier.yml.

The build needs mkdocs and mkdocs-material (docs/requirements.txt). Without them
these tests fail instead of skipping: a skipped check would let broken docs pass.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from conftest import help_rule, help_sentences, render, shows_figure, tool, validator_bounds

ROOT = Path(__file__).resolve().parent.parent
HOOK = ROOT / "docs" / "hooks" / "prompts.py"
QUESTIONS: dict[str, dict[str, Any]] = {
    name: spec if isinstance(spec, dict) else {"default": spec}
    for name, spec in yaml.safe_load((ROOT / "copier.yml").read_text()).items()
    if not name.startswith("_")
}
BUILD_TIMEOUT_SECONDS = 300
# MkDocs logs "WARNING -  <message>"; --strict turns each into a failed build.
WARNING_LINE = re.compile(r"^(WARNING|ERROR)\b.*$", re.MULTILINE)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


@dataclass(frozen=True)
class Build:
    site: Path
    result: subprocess.CompletedProcess[str] | None = None
    problem: str | None = None

    @property
    def output(self) -> str:
        if self.result is None:
            return str(self.problem)
        return f"--- stdout ---\n{self.result.stdout}\n--- stderr ---\n{self.result.stderr}"


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """`mkdocs build --strict` of the whole site into a temporary directory."""
    site = tmp_path_factory.mktemp("site")
    missing = [name for name in ("mkdocs", "material") if importlib.util.find_spec(name) is None]
    if missing:
        return Build(
            site,
            problem=f"{' and '.join(missing)} not installed in this environment; install "
            "docs/requirements.txt (`pip install -r docs/requirements.txt`, which "
            "scripts/test.sh does). The docs checks fail rather than skip.",
        )
    # Material prints an end-of-life banner on every build; it is not a build warning.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "mkdocs",
                "build",
                "--strict",
                "--config-file",
                str(ROOT / "mkdocs.yml"),
                "--site-dir",
                str(site),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Build(site, problem=f"mkdocs build did not finish within {BUILD_TIMEOUT_SECONDS} s")
    return Build(site, result)


class _Sections(HTMLParser):
    """The text under each heading of a page that has an id, by that id."""

    HEADINGS = frozenset({"h1", "h2", "h3", "h4"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, list[str]] = {}
        self._current: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        if tag in self.HEADINGS:
            heading_id = dict(attrs).get("id")
            self._current = self.sections.setdefault(heading_id, []) if heading_id else None

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and self._current is not None:
            self._current.append(data)


def page_sections(page: Path) -> dict[str, str]:
    parser = _Sections()
    parser.feed(page.read_text(encoding="utf-8"))
    return {key: one_line(" ".join(parts)) for key, parts in parser.sections.items()}


def test_the_site_builds_strictly_without_warnings(build: Build) -> None:
    assert build.result is not None, build.problem
    assert build.result.returncode == 0, f"mkdocs build --strict failed:\n{build.output}"
    warnings = WARNING_LINE.findall(build.result.stderr + build.result.stdout)
    assert not warnings, "mkdocs build warned:\n" + "\n".join(warnings)
    built = {path.parent.name for path in build.site.glob("*/index.html")}
    pages = {path.stem for path in (ROOT / "docs").glob("*.md")} - {"index"}
    assert (build.site / "index.html").is_file(), "the home page was not built"
    assert pages <= built, f"pages not built: {sorted(pages - built)}"
    assert not (build.site / "hooks").exists(), "the hook script was published with the site"


def choice_values(spec: dict[str, Any]) -> list[Any]:
    choices = spec.get("choices") or []
    return list(choices.values()) if isinstance(choices, dict) else list(choices)


def test_the_prompts_page_names_every_question_with_its_help_text(build: Build) -> None:
    assert build.result is not None, build.problem
    page = build.site / "prompts" / "index.html"
    assert page.is_file(), f"the site was not built:\n{build.output}"
    assert "copier-questions" not in page.read_text(encoding="utf-8"), "marker not replaced"
    sections = page_sections(page)
    for name, spec in QUESTIONS.items():
        assert name in sections, f"no section for the question {name} on the prompts page"
        section = sections[name]
        help_text = one_line(spec.get("help") or "")
        assert help_text in section, f"help text of {name} missing from its section: {section!r}"
        default = spec.get("default")
        if isinstance(default, str) and "{{" in default:
            assert "computed" in section, f"{name}: its Jinja default is not marked computed"
            words = default_in_words(spec)
            assert words and f"Default: computed: {words}" in section, (
                f"{name}: its computed default is not described in words: {section!r}"
            )
        when = spec.get("when")
        if when is False:
            assert "Computed value" in section, f"{name}: when: false is not marked computed"
        elif isinstance(when, str):
            condition = one_line(when).removeprefix("{{").removesuffix("}}").strip()
            assert condition in section, f"{name}: its condition is not shown"
        for value in choice_values(spec):
            assert str(value) in section, f"{name}: the choice {value!r} is not listed"


def default_in_words(spec: dict[str, Any]) -> str:
    """How copier.yml describes a Jinja default: a computed value's rule, else "Default: ..."."""
    if spec.get("when") is False:
        return help_rule(spec["help"])
    described = [s for s in help_sentences(spec["help"]) if s.startswith("Default: ")]
    return described[0].removeprefix("Default: ").removesuffix(".") if described else ""


def prompts_page(build: Build) -> tuple[str, dict[str, str]]:
    assert build.result is not None, build.problem
    page = build.site / "prompts" / "index.html"
    assert page.is_file(), f"the site was not built:\n{build.output}"
    return page.read_text(encoding="utf-8"), page_sections(page)


def test_the_prompts_page_shows_no_jinja_and_no_generic_validation(build: Build) -> None:
    html, sections = prompts_page(build)
    text = " ".join(sections.values())
    for raw in ("{{", "}}", "{%", "%}"):
        assert raw not in text, f"the prompts page shows raw Jinja {raw!r}"
    assert "Validated: yes" not in html


@pytest.mark.parametrize("name", sorted(n for n, spec in QUESTIONS.items() if "validator" in spec))
def test_the_prompts_page_states_each_validated_question_s_rule(build: Build, name: str) -> None:
    _, sections = prompts_page(build)
    stated = help_rule(QUESTIONS[name]["help"])
    assert stated, f"{name}: its help text does not open with 'Subject, rule.'"
    assert f"Rule: {stated} (a wrong answer is refused" in sections[name], sections[name]
    assert stated in sections["summary"], f"{name}: its rule is not in the summary table"
    for figure in validator_bounds(QUESTIONS[name]["validator"]):
        assert shows_figure(stated, figure), f"{name}: the rule {stated!r} leaves out {figure}"


def test_the_prompts_page_lists_each_choice_once(build: Build) -> None:
    _, sections = prompts_page(build)
    for name, spec in QUESTIONS.items():
        section = re.sub(r"\s+:", ":", sections[name])
        for value in choice_values(spec):
            doubled = rf"(?<![\w-]){re.escape(str(value))}[\s:]+{re.escape(str(value))}(?![\w-])"
            assert not re.search(doubled, section), f"{name}: the choice {value!r} is doubled"


def test_the_checked_in_prompts_page_is_only_an_intro_and_the_marker() -> None:
    source = (ROOT / "docs" / "prompts.md").read_text(encoding="utf-8")
    assert "<!-- copier-questions -->" in source
    headings = [line for line in source.splitlines() if line.startswith("#")]
    assert headings == ["# Questions"], (
        "docs/prompts.md documents questions by hand; the hook generates them from copier.yml"
    )


@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_every_question_has_help_text(name: str) -> None:
    assert one_line(QUESTIONS[name].get("help") or ""), f"{name} in copier.yml has no help text"


def _load_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_prompts_hook", HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_hook_warns_about_a_question_without_help_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hook = _load_hook()
    with caplog.at_level(logging.WARNING, logger="mkdocs"):
        hook.render_reference({"silent": {"type": "str", "default": "x"}})
    assert "question 'silent' has no help text" in caplog.text


@pytest.mark.parametrize(
    ("spec", "warning"),
    [
        ({"type": "str", "help": "No rule here.", "default": "x"}, "does not open with"),
        (
            {"type": "int", "help": "Size, 1-9.", "default": "{{ 1 + 1 }}"},
            "computed default that no help sentence 'Default: ...' describes",
        ),
    ],
)
def test_the_hook_warns_about_a_help_text_off_the_convention(
    caplog: pytest.LogCaptureFixture, spec: dict[str, Any], warning: str
) -> None:
    hook = _load_hook()
    with caplog.at_level(logging.WARNING, logger="mkdocs"):
        page = hook.render_reference({"odd": spec})
    assert "question 'odd'" in caplog.text
    assert warning in caplog.text
    assert "{{" not in page


# --- The site works offline -------------------------------------------------------------


class _Resources(HTMLParser):
    """Every script, stylesheet, font and icon a page loads, and whether it has a diagram."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.has_diagram = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.urls.append(str(attributes["src"]))
        # rel=preconnect and dns-prefetch load nothing but still reach the host.
        if (
            tag == "link"
            and attributes.get("href")
            and attributes.get("rel")
            not in {
                "prev",
                "next",
                "canonical",
            }
        ):
            self.urls.append(str(attributes["href"]))
        if "mermaid" in (attributes.get("class") or "").split():
            self.has_diagram = True


def _resources(page: Path) -> _Resources:
    parser = _Resources()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _built_pages(build: Build) -> list[Path]:
    assert build.result is not None, build.problem
    assert build.result.returncode == 0, f"mkdocs build --strict failed:\n{build.output}"
    return sorted(build.site.rglob("*.html"))


def test_no_page_loads_anything_from_another_host(build: Build) -> None:
    """Offline, a page must look the same: no CDN script, no Google Fonts, no remote icon."""
    remote = {
        f"{page.relative_to(build.site)}: {url}"
        for page in _built_pages(build)
        for url in _resources(page).urls
        if re.match(r"^([a-z][a-z0-9+.-]*:)?//", url, re.IGNORECASE)
    }
    assert not remote, "pages load from other hosts:\n" + "\n".join(sorted(remote))
    stylesheets = "\n".join(path.read_text(encoding="utf-8") for path in build.site.rglob("*.css"))
    assert not re.search(r"(@import|url\()\s*['\"]?(https?:)?//", stylesheets), (
        "a stylesheet of the site loads from another host"
    )


def test_every_page_with_a_diagram_loads_mermaid_from_the_site(build: Build) -> None:
    """Material fetches Mermaid from a CDN unless the page defined it first: ours must."""
    with_diagrams = 0
    for page in _built_pages(build):
        found = _resources(page)
        if not found.has_diagram:
            continue
        with_diagrams += 1
        scripts = [url for url in found.urls if re.search(r"/mermaid[^/]*\.min\.js$", url)]
        assert scripts, f"{page.relative_to(build.site)} has a diagram but loads no Mermaid"
        script = (page.parent / scripts[0]).resolve()
        assert script.is_file(), f"{page.relative_to(build.site)} loads {scripts[0]}: missing"
        # The real bundle, not a stub: it defines the global Material looks for.
        assert script.stat().st_size > 1_000_000, f"{script} is too small to be Mermaid"
        assert "mermaid" in script.read_text(encoding="utf-8", errors="replace")[-20_000:]
    assert with_diagrams, "no page has a diagram: the check above proved nothing"


# --- Getting started shows today's render -------------------------------------------------

GETTING_STARTED = ROOT / "docs" / "getting-started.md"
# Decided for the page and the top-level README alike: an absolute template path, so the
# service's .copier-answers.yml points back at the template and `copier update` works.
INSTALL_COPIER = "python3 -m venv ~/.copier && ~/.copier/bin/pip install -q copier==9.19.1"
RENDER = '~/.copier/bin/copier copy --defaults "$PWD" ../my-service'
COMMIT = (
    'cd ../my-service && git init && git add -A && git commit -m "Render from copier-sqs-lambda"'
)


def _blocks(text: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)


def _block(first_line: str) -> str:
    """The fenced block of the getting-started page that starts with ``first_line``."""
    found = [
        block
        for block in _blocks(GETTING_STARTED.read_text(encoding="utf-8"))
        if block.startswith(first_line)
    ]
    assert len(found) == 1, f"getting-started.md: {len(found)} blocks start with {first_line!r}"
    return found[0]


@pytest.fixture(scope="module")
def default_service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template rendered with every default, as the getting-started page does."""
    return render(tmp_path_factory.mktemp("getting-started") / "my-service")


def test_getting_started_renders_with_the_decided_commands() -> None:
    commands = "\n".join(
        block for block in _blocks(GETTING_STARTED.read_text(encoding="utf-8"))
    ).splitlines()
    for command in (INSTALL_COPIER, RENDER, COMMIT, "make install && make test"):
        assert command in commands, f"getting-started.md does not run: {command}"
    assert "--vcs-ref" not in GETTING_STARTED.read_text(encoding="utf-8"), (
        "no --vcs-ref: Copier takes the newest release tag, or the newest commit before tags"
    )
    assert commands.index(COMMIT) < commands.index("make install && make test"), (
        "the service is committed before make install"
    )


def test_the_render_output_shown_is_what_the_template_renders(default_service: Path) -> None:
    output = _block(f"$ {RENDER}\n")
    assert re.search(r"^Copying from template version \d+\.\d+\.\d+\S*$", output, re.MULTILINE), (
        output
    )
    created = re.findall(r"^    create  (\S+)$", output, re.MULTILINE)
    assert len(created) >= 10, f"the render output shows too little: {created}"
    missing = [path for path in created if not (default_service / path).exists()]
    assert not missing, f"getting-started.md shows files the default render lacks: {missing}"


def test_make_help_shown_is_the_rendered_makefiles(default_service: Path) -> None:
    shown = _block("  make help ")
    result = subprocess.run(
        [tool("make"), "--no-print-directory", "help"],
        cwd=default_service,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown == result.stdout, (
        "getting-started.md's `make help` differs from the default render's; paste:\n"
        + result.stdout
    )


def test_the_test_run_shown_names_every_rendered_test_file(default_service: Path) -> None:
    shown = re.findall(r"^(tests/test_\w+\.py) ", _block("uv run pytest\n"), re.MULTILINE)
    # make test deselects the load run (make test-load), so pytest does not print its file.
    rendered = sorted(
        path.relative_to(default_service).as_posix()
        for path in (default_service / "tests").glob("test_*.py")
        if "pytestmark = pytest.mark.load" not in path.read_text(encoding="utf-8")
    )
    assert shown == rendered, "getting-started.md's `make test` output lists other test files"


def test_the_lint_counts_shown_are_the_default_renders(default_service: Path) -> None:
    shown = _block("uv run ruff check .\n")
    settings = tomllib.loads((default_service / "pyproject.toml").read_text(encoding="utf-8"))
    checked = {
        path
        for directory in settings["tool"]["mypy"]["files"]
        for path in (default_service / directory).rglob("*.py")
    }
    assert f"Success: no issues found in {len(checked)} source files" in shown, shown
    # ruff format checks the Python files and (the ruff of today does) the code in Markdown.
    formatted = [*default_service.rglob("*.py"), *default_service.rglob("*.md")]
    assert f"{len(formatted)} files already formatted" in shown, shown
