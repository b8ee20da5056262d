"""Round trip: every Markdown document of the gallery (output/docs) and the handout's answer key are
correct derivations, so `derive verify` must find nothing wrong in them and check at least 95% of
their claims (a claim counts as checked when its verdict is correct or a rounding warning).

The documents come from the engine and the verifier reads them as any note, without being told the
network: a disagreement here is a bug in one of the two.
"""

from pathlib import Path

import pytest

from derive.verify import verify_text

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = sorted(p for p in (ROOT / "output" / "docs").glob("*.md") if p.name != "README.md") + \
    sorted((ROOT / "output" / "handouts").glob("*-answers.md"))
CHECKED_SHARE = 0.95
# what is checked here is the verdicts, not the speed (benchmarks/README.md has that): a generous time limit,
# so that a busy machine cannot turn the largest document (lenet) into "took too long"
LIMIT = 900


def test_the_gallery_has_documents_of_every_kind():
    names = {p.stem for p in DOCUMENTS}
    assert {"mlp-222", "rnn-2step", "lenet", "mlp-222-1-answers"} <= names


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_gallery_document_verifies(path):
    report = verify_text(str(path), path.read_text(encoding="utf-8"), limit=LIMIT)
    wrong = [f"{v.line}: {v.source} — {v.message}" for v in report.verdicts if v.status == "wrong"]
    assert not wrong, "\n".join(wrong[:10])
    claims = len(report.verdicts)
    checked = sum(v.status in ("correct", "warning") for v in report.verdicts)
    assert claims > 20
    unverifiable = [f"{v.line}: {v.message}" for v in report.verdicts if v.status == "unverifiable"]
    assert checked / claims >= CHECKED_SHARE, "\n".join(unverifiable[:10])
