"""The documentation holds together: every relative link in README.md and docs/*.md resolves
(files and the anchors of Markdown headings, by GitHub's anchor rule), every
`docs/model.md §n` citation names a section that exists, and the README's quick start is what
CI runs.
"""

import re
import shlex
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import click
import pytest

from cli import cli
from models.scenario import list_presets

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SKIP_DIRS = {".git", ".venv", "venv", "build", "dist", "runs", "out", "__pycache__", "node_modules"}

FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# [text](target "title") and ![alt](target); the text may hold one level of brackets.
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$")
CITATION = re.compile(r"model(?:\.md)?\s+§\s*(\d+(?:\.\d+)?)(?:\s*[-–]\s*(\d+(?:\.\d+)?))?")
MODEL_SECTION = re.compile(r"^#{2,6}\s+(\d+(?:\.\d+)*)\.?\s")


def prose_lines(text: str) -> list[str]:
    """The lines of a Markdown text with fenced code blocks blanked out (kept as '')."""
    out, fence = [], None
    for line in text.splitlines():
        m = FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)[0] * len(m.group(1))
            out.append("")
        elif fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            out.append("")
        else:
            out.append(line)
    return out


def github_anchor(heading: str) -> str:
    """GitHub's anchor of a heading (github-slugger): rendered text, lower case, punctuation
    and symbols dropped (letters, digits, '-', '_' and spaces kept), spaces to '-'."""
    text = CODE_SPAN.sub(lambda m: m.group(2).strip(), heading)
    text = re.sub(r"!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text).lower()

    def kept(ch: str) -> bool:
        if ch in "-_ ":
            return True
        if ch.isascii():
            return ch.isalnum()
        return unicodedata.category(ch) in {"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Nd"}

    return "".join(ch for ch in text if kept(ch)).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a Markdown file, duplicates numbered -1, -2 as GitHub does."""
    seen: dict[str, int] = {}
    out = set()
    for line in prose_lines(path.read_text(encoding="utf-8")):
        m = HEADING.match(line)
        if not m:
            continue
        slug = github_anchor(m.group(2))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def links(path: Path) -> list[str]:
    """The link targets of a Markdown file outside code blocks and code spans."""
    lines = [CODE_SPAN.sub("", line) for line in prose_lines(path.read_text(encoding="utf-8"))]
    targets = LINK.findall("\n".join(lines))
    targets += [m.group(1) for line in lines if (m := REF_DEF.match(line))]
    return targets


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    """The relative links of one file that do not resolve (or leave `root`), with the reason."""
    bad = []
    for target in links(path):
        if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / unquote(file_part)).resolve() if file_part else path
        if not dest.is_relative_to(root):
            bad.append(f"{target}: outside the repository")
        elif not dest.exists():
            bad.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            bad.append(f"{target}: no heading with anchor #{anchor} in {dest.name}")
    return bad


def test_github_anchor_rule_on_hand_computed_headings():
    assert github_anchor("10.1 Lower-bound front") == "101-lower-bound-front"
    assert github_anchor("4. Decision, dynamics, constraints") == "4-decision-dynamics-constraints"
    assert (github_anchor('Reference point (`--reference-point "cost=1250,peak_valley=300"`)')
            == "reference-point---reference-point-cost1250peak_valley300")
    assert github_anchor("Pareto fronts (`front`)") == "pareto-fronts-front"
    assert (github_anchor("Seed claims — against the [bound](x.md)")
            == "seed-claims--against-the-bound")


def test_link_checker_sees_a_broken_link_and_ignores_code(tmp_path):
    (tmp_path / "a.md").write_text("# Top\n## Two words\n", encoding="utf-8")
    doc = tmp_path / "b.md"
    doc.write_text("[ok](a.md#two-words) [bad](a.md#two) [gone](c.md) `[code](d.md)`\n"
                   "```\n[fenced](e.md)\n```\n[web](https://example.org/x) [self](#here)\n"
                   "[up](../x.md)\n## Here\n", encoding="utf-8")
    assert broken_links(doc, root=tmp_path) == ["a.md#two: no heading with anchor #two in a.md",
                                                "c.md: no such file",
                                                "../x.md: outside the repository"]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(doc):
    assert broken_links(doc) == []


def model_sections() -> set[str]:
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    return {m.group(1) for line in prose_lines(text) if (m := MODEL_SECTION.match(line))}


def cited_sections() -> list[tuple[str, int, str]]:
    """(file, line, section) of every `model.md §n` / `model §n` citation in the repository."""
    out = []
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if path.suffix not in {".py", ".md", ".toml"} or any(
                part in SKIP_DIRS or part.endswith(".egg-info") for part in rel.parts[:-1]):
            continue
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in CITATION.finditer(line):
                out += [(str(rel), lineno, s) for s in m.groups() if s]
    return out


def test_every_model_section_cited_exists():
    sections = model_sections()
    assert {"1", "9", "10", "10.1", "11"} <= sections
    citations = cited_sections()
    assert len(citations) > 50  # the code cites the model throughout; a broken scan finds none
    missing = [f"{f}:{n}: §{s}" for f, n, s in citations if s not in sections]
    assert missing == [], f"cited sections missing from docs/model.md: {missing}"


def quick_start() -> list[str]:
    """The commands of the README's first code block under '## Quick start'."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("## Quick start")
    block, inside = [], False
    for line in lines[start + 1:]:
        if line.startswith("## "):
            break
        if line.startswith("```"):
            if inside:
                break
            inside = True
        elif inside and line.strip() and not line.lstrip().startswith("#"):
            block.append(line.strip())
    return block


def steps(command: str) -> list[list[str]]:
    """A shell line as its '&&'-separated commands, each as shell words."""
    return [shlex.split(part) for part in command.split("&&")]


def ci_steps() -> list[list[str]]:
    out = []
    for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            out += steps(line)
    return out


def test_readme_quick_start_is_two_commands():
    assert len(quick_start()) == 2, quick_start()


def test_readme_test_command_is_what_ci_runs():
    """Every step of the README's test command runs in .ci/run, in the same order (CI may add
    steps between them, such as ruff)."""
    wanted = steps(quick_start()[1])
    assert wanted[-1][:3] == ["python3", "-m", "pytest"]
    ci = iter(ci_steps())
    missing = [step for step in wanted if not any(step == have for have in ci)]
    assert missing == [], f".ci/run does not run {missing} in the README's order"


def test_readme_main_job_installs_and_parses_as_a_command_on_a_preset():
    """The first quick-start command installs the tool and runs a real CLI command on a
    preset: its options parse with the CLI as it is (nothing is run)."""
    first = steps(quick_start()[0])
    assert ["python3", "-m", "pip", "install", "-e", "."] in first
    job = first[-1]
    assert job[0] == "v2g-pareto"
    with click.Context(cli) as ctx:
        command = cli.get_command(ctx, job[1])
        assert command is not None, f"no command {job[1]!r}"
        sub = command.make_context(job[1], job[2:], parent=ctx)
    by_option = {opt: sub.params[param.name] for param in command.params for opt in param.opts}
    assert by_option["--scenario"] in list_presets()
    assert by_option["--out"]
