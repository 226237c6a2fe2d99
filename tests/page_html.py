"""A rendered page as a test reads it: elements, their attributes and their text (stdlib only)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The element's text, whitespace collapsed."""
        return " ".join("".join(self.parts).split())

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)


class Page(HTMLParser):
    """``Page(html)``: every element in document order, with ``find``/``find_all``."""

    def __init__(self, markup: str | bytes) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(markup.decode() if isinstance(markup, bytes) else markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        for element in self._open:
            element.parts.append(data)

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Elements of ``tag`` whose attributes have the given values (``data_i18n=`` for
        ``data-i18n``; ``True`` only asks that the attribute is there)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            element
            for element in self.elements
            if (tag is None or element.tag == tag)
            and all(
                (name in element.attrs) if value is True else element.attrs.get(name) == value
                for name, value in wanted.items()
            )
        ]

    def find(self, tag: str | None = None, **attrs: str) -> Element:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag or '*'} {attrs}> on the page"
        return found[0]

    def json(self, element_id: str):
        """The parsed content of ``<script type="application/json" id=element_id>``."""
        return json.loads("".join(self.find("script", id=element_id).parts))

    @property
    def html(self) -> Element:
        return self.find("html")
