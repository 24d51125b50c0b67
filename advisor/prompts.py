"""Reply templates: Jinja2 files in prompts/, loaded by name."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from .errors import AdvisorError

_DATA_TAGS = re.compile(r"</?\s*(?:founder_message|draft)\s*>", re.I)


def as_data(text: str) -> str:
    """User text made safe to place between a prompt's data tags (any such tags inside it are removed)."""
    return _DATA_TAGS.sub(" ", text)


class Prompts:
    """Renders `prompts/NAME.md.j2` templates with autoescaping off (output is shown as text, never HTML)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @cached_property
    def env(self):
        """The Jinja2 environment over the prompts folder."""
        from jinja2 import Environment, FileSystemLoader

        return Environment(loader=FileSystemLoader(str(self.folder)), keep_trailing_newline=False, autoescape=False)

    def render(self, name: str, **context: object) -> str:
        """Render the template called `name` with the given values."""
        from jinja2 import TemplateNotFound

        try:
            return self.env.get_template(f"{name}.md.j2").render(**context).strip()
        except TemplateNotFound as exc:
            raise AdvisorError(f"No prompt template '{name}.md.j2' in {self.folder}; set ADVISOR_PROMPTS_DIR.") from exc
