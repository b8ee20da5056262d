"""Moodle XML (the question import format of Moodle 3.x and 4.x): a <quiz> with a category per target and
one embedded-answers (Cloze) question per sheet, whose every asked value is a NUMERICAL subquestion with its
tolerance (absolute, as Moodle takes it: the relative tolerance times the value) and its points as weight."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from ..output.render import Rendered
from .common import identifier, intro, label, number, title
from .keys import Assignment
from .owned import xml_text


def cloze(answer: dict) -> str:
    return f"{{{answer['points']}:NUMERICAL:={number(answer['value'])}:{number(answer['atol'])}}}"


def _text(parent: ET.Element, tag: str, text: str, fmt_: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt_} if fmt_ else {})
    ET.SubElement(element, "text").text = text
    return element


def question_html(r: Rendered, key: dict) -> str:
    """The question text, an HTML fragment (built as elements, then stored as text as Moodle expects)."""
    div = ET.Element("div")
    for paragraph in intro(r):
        ET.SubElement(div, "p").text = paragraph
    table = ET.SubElement(div, "table")
    for answer in key["answers"]:
        row = ET.SubElement(table, "tr")
        ET.SubElement(row, "td").text = label(answer)
        ET.SubElement(row, "td").text = cloze(answer)
    return ET.tostring(div, encoding="unicode", method="html")


def quiz(a: Assignment, rendered: list[Rendered], keys: list[dict]) -> ET.Element:
    root = ET.Element("quiz")
    category = ET.SubElement(root, "question", {"type": "category"})
    _text(category, "category", f"$course$/top/derive/{a.name}")
    _text(category, "info", f"Backpropagation by hand: {a.name}, seed {a.seed}", "html")
    for r, key in zip(rendered, keys):
        q = ET.SubElement(root, "question", {"type": "cloze"})
        _text(q, "name", title(r))
        _text(q, "questiontext", question_html(r, key), "html")
        _text(q, "generalfeedback", "", "html")
        ET.SubElement(q, "penalty").text = "0.3333333"
        ET.SubElement(q, "hidden").text = "0"
        ET.SubElement(q, "idnumber").text = identifier(r)
    return root


def export(a: Assignment, rendered: list[Rendered], keys: list[dict]) -> dict[str, bytes]:
    note = f"derive handout {a.target} (seed {a.seed}), for Moodle"
    return {f"{a.name}-moodle.xml": xml_text(quiz(a, rendered, keys), note).encode()}
