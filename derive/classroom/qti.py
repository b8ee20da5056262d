"""IMS QTI 2.1: a content package (a zip with imsmanifest.xml, IMS Content Packaging 1.1) holding one
assessmentItem per sheet. Every asked value is a textEntryInteraction with a float response whose correct
value is the key's; response processing adds its points to SCORE when the answer is `equal` to it within
the key's absolute tolerance (toleranceMode="absolute")."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from ..output.render import Rendered
from .common import identifier, intro, label, number, title
from .keys import Assignment
from .owned import xml_plain, zip_bytes

QTI = "http://www.imsglobal.org/xsd/imsqti_v2p1"
IMSCP = "http://www.imsglobal.org/xsd/imscp_v1p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
QTI_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/qtiv2p1_imscpv1p2_v1p0.xsd"
ITEM_TYPE = "imsqti_item_xmlv2p1"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def item(r: Rendered, key: dict) -> ET.Element:
    root = ET.Element("assessmentItem", {
        "xmlns": QTI, "xmlns:xsi": XSI, "xsi:schemaLocation": f"{QTI} {QTI_XSD}",
        "identifier": identifier(r), "title": title(r), "adaptive": "false", "timeDependent": "false"})
    answers = key["answers"]
    for i, a in enumerate(answers, 1):
        declaration = _sub(root, "responseDeclaration", identifier=f"RESPONSE_{i}", cardinality="single",
                           baseType="float")
        _sub(_sub(declaration, "correctResponse"), "value", number(a["value"]))
    for name, value in (("SCORE", "0"), ("MAXSCORE", str(key["points"]))):
        outcome = _sub(root, "outcomeDeclaration", identifier=name, cardinality="single", baseType="float")
        _sub(_sub(outcome, "defaultValue"), "value", value)
    body = _sub(root, "itemBody")
    for paragraph in intro(r):
        _sub(body, "p", paragraph)
    rows = _sub(_sub(body, "table"), "tbody")
    for i, a in enumerate(answers, 1):
        row = _sub(rows, "tr")
        _sub(row, "td", label(a))
        _sub(_sub(row, "td"), "textEntryInteraction", responseIdentifier=f"RESPONSE_{i}", expectedLength="15")
        _sub(row, "td", f"({a['points']} {'point' if a['points'] == 1 else 'points'})")
    processing = _sub(root, "responseProcessing")
    for i, a in enumerate(answers, 1):
        rule = _sub(_sub(processing, "responseCondition"), "responseIf")
        equal = _sub(rule, "equal", toleranceMode="absolute", tolerance=f"{number(a['atol'])} {number(a['atol'])}")
        _sub(equal, "variable", identifier=f"RESPONSE_{i}")
        _sub(equal, "correct", identifier=f"RESPONSE_{i}")
        add = _sub(_sub(rule, "setOutcomeValue", identifier="SCORE"), "sum")
        _sub(add, "variable", identifier="SCORE")
        _sub(add, "baseValue", str(a["points"]), baseType="float")
    return root


def manifest(a: Assignment, hrefs: dict[str, str]) -> ET.Element:
    root = ET.Element("manifest", {"xmlns": IMSCP, "xmlns:xsi": XSI, "xsi:schemaLocation": f"{IMSCP} {CP_XSD}",
                                   "identifier": f"MANIFEST-{a.name}-seed-{a.seed}"})
    metadata = _sub(root, "metadata")
    _sub(metadata, "schema", "QTIv2.1 Package")
    _sub(metadata, "schemaversion", "1.0.0")
    _sub(root, "organizations")
    resources = _sub(root, "resources")
    for ident, href in hrefs.items():
        resource = _sub(resources, "resource", identifier=ident, type=ITEM_TYPE, href=href)
        _sub(resource, "file", href=href)
    return root


def export(a: Assignment, rendered: list[Rendered], keys: list[dict]) -> dict[str, bytes]:
    members: dict[str, bytes] = {}
    hrefs: dict[str, str] = {}
    for r, key in zip(rendered, keys):
        hrefs[identifier(r)] = f"items/{identifier(r)}.xml"
        members[hrefs[identifier(r)]] = xml_plain(item(r, key))
    package = {"imsmanifest.xml": xml_plain(manifest(a, hrefs)), **members}
    return {f"{a.name}-qti.zip": zip_bytes(package, f"derive handout {a.target} (seed {a.seed}), QTI 2.1")}
