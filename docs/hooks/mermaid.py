"""MkDocs hook: serve Mermaid from the site itself, so diagrams render without internet.

Material for MkDocs turns ```mermaid fences into diagrams with Mermaid, which it loads
from a CDN unless a global ``mermaid`` is already defined. This hook defines it: it
publishes the official npm package's ``dist/mermaid.min.js`` at ``SCRIPT`` and loads it
on the pages that have a diagram (only those: it weighs 3.6 MB).

The 3.6 MB script is not committed (Copier clones this repository on every render):
the build fetches the pinned package once with ``npm pack`` (through the npm client, so
the machine's registry settings apply), checks it against the integrity hash below and
keeps it in ``.cache/docs/``. A missing npm, a failed download or a wrong hash fail the
build: a site whose diagrams would quietly fall back to the CDN is what this prevents.
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import subprocess
import tarfile
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

# Material's loader asks for mermaid@11; keep to that major version.
VERSION = "11.17.2"
# `npm view mermaid@VERSION dist.integrity`: what the registry published for this version.
INTEGRITY = "sha512-V6K3C8EBdEsPFZXSKMJe6ppQOENxuHARr9GvHX4hh47lAbhMRD9qf4oEK7LoaRQxULMa80/qt5gHO73aCleBBg=="
SCRIPT = f"assets/javascripts/mermaid-{VERSION}.min.js"
LICENSE = f"assets/javascripts/mermaid-{VERSION}.LICENSE.txt"
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "docs"
NPM_TIMEOUT_SECONDS = 300


def _digest(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch_package(cache: Path = CACHE) -> bytes:
    """The pinned mermaid tarball, from the cache or the npm registry, hash-checked."""
    tarball = cache / f"mermaid-{VERSION}.tgz"
    if not tarball.is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise PluginError(
                "npm is not on PATH: the docs build fetches Mermaid with `npm pack` "
                "so that the site works offline; install Node.js (which brings npm)"
            )
        cache.mkdir(parents=True, exist_ok=True)
        # Packed into a folder of its own and renamed into place, so an interrupted download
        # never leaves a partial tarball that every later build would refuse.
        partial = cache / f"partial-{VERSION}"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        try:
            subprocess.run(
                [npm, "pack", f"mermaid@{VERSION}", "--pack-destination", str(partial)],
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT_SECONDS,
                check=True,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            output = getattr(error, "stderr", "") or ""
            raise PluginError(f"npm pack mermaid@{VERSION} failed: {error}\n{output}") from error
        (partial / tarball.name).rename(tarball)
        partial.rmdir()
    data = tarball.read_bytes()
    if _digest(data) != INTEGRITY:
        # Not deleted: a person should see what was downloaded instead.
        raise PluginError(
            f"{tarball} does not match the pinned integrity {INTEGRITY}: look at it, delete it "
            "and build again"
        )
    return data


def extract(data: bytes) -> tuple[bytes, bytes]:
    """``dist/mermaid.min.js`` and ``LICENSE`` from the package tarball."""
    members = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for name in ("package/dist/mermaid.min.js", "package/LICENSE"):
            member = archive.extractfile(name)
            if member is None:
                raise PluginError(f"mermaid@{VERSION} has no {name}")
            members[name] = member.read()
    return members["package/dist/mermaid.min.js"], members["package/LICENSE"]


def on_files(files: Files, config: MkDocsConfig) -> Files:
    script, license_text = extract(fetch_package())
    files.append(File.generated(config, SCRIPT, content=script))
    files.append(File.generated(config, LICENSE, content=license_text))
    return files


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    # superfences writes each diagram as <pre class="mermaid">. The script goes after
    # Material's bundle, which only reads the global once the page has loaded.
    if 'class="mermaid"' not in output:
        return output
    src = get_relative_url(SCRIPT, page.url or ".")
    head, body_end, tail = output.rpartition("</body>")
    if not body_end:
        raise PluginError(f"{page.file.src_uri}: no </body> to put the Mermaid script before")
    return f'{head}<script src="{src}"></script>\n{body_end}{tail}'
