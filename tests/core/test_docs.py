"""The docs stand alone: every relative link in README.md and docs/ points to a file in the
repository (issue 9, defect 9: the architecture page pointed to design files kept elsewhere)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_every_relative_link_in_the_docs_points_to_a_file_here() -> None:
    broken = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in LINK.findall(page.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_no_page_refers_to_design_notes_kept_outside_the_repository() -> None:
    for page in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        text = page.read_text()
        assert "DESIGN.md" not in text and "STYLE.md" not in text, page.name


def test_make_run_points_email_links_where_it_serves() -> None:
    """Issue 9, defect 9: `make run PORT=8102` served on 8102 while every email link said :8000.
    Make expands the target's SITE_URL from HOST and PORT unless it is set (`make -p` prints the
    rule as written; the dry run shows which port the server is given)."""
    import shutil
    import subprocess

    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run: export SITE_URL \?= http://\$\(HOST\):\$\(PORT\)$", makefile, re.MULTILINE)
    if shutil.which("make"):
        dry = subprocess.run(
            ["make", "-n", "--no-print-directory", "run", "PORT=8102", "-o", ".venv/bin/.installed", "-o", "venv"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert "127.0.0.1:8102" in dry.stdout
