"""A publication Neo4j refuses for its data is quarantined alone: its batch-mates and their trial links load.

One citation names a MeSH descriptor by a 10 kB id, a key too large for Neo4j's index; before, the whole batch
failed and the load ended with exit 1.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import neo4j

from tests.graphcheck import count
from trialgraph.kg.load import load
from trialgraph.loaders.base import discover

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "pubmed" / "medline_citation_set.xml"


def _citation_set(path: Path, pmids: list[str], bad: str) -> None:
    """The fixture's citation once per PMID; the ``bad`` one's heading carries an over-long descriptor id."""
    text = FIXTURE.read_text(encoding="utf-8")
    [citation] = re.findall(r"<MedlineCitation .*?</MedlineCitation>", text, flags=re.S)
    parts = []
    for pmid in pmids:
        one = re.sub(r"<PMID Version=\"1\">\d+</PMID>", f'<PMID Version="1">{pmid}</PMID>', citation)
        if pmid == bad:
            one = one.replace(
                '<DescriptorName MajorTopicYN="Y">', f'<DescriptorName UI="D{"0" * 10000}" MajorTopicYN="Y">'
            )
        parts.append(one)
    path.write_text('<?xml version="1.0"?>\n<MedlineCitationSet>\n' + "\n".join(parts) + "\n</MedlineCitationSet>\n")


def test_a_refused_publication_is_quarantined_alone(graph: neo4j.Driver, tmp_path: Path) -> None:
    path = tmp_path / "citations.xml"
    _citation_set(path, ["40000011", "40000012", "40000013"], bad="40000012")
    report = load(graph, discover().create("pubmed"), [path], quarantine_dir=tmp_path / "q")
    [entry] = [json.loads(line) for line in Path(report.quarantine_file or "").read_text().splitlines()]
    assert entry["record"] == "pmid:40000012" and entry["reason"].startswith("Neo4j refused the record:")
    assert report.rejected == 1
    loaded = {r["pmid"] for r in graph.execute_query("MATCH (p:Publication) RETURN p.pmid AS pmid").records}
    assert loaded == {"40000011", "40000013"}
    # the good citations keep the trial ids they name; nothing of the refused one was written
    assert count(graph, "MATCH (p:Publication)-[:MENTIONS_TRIAL]->() WHERE p.pmid = '40000012' RETURN count(*)") == 0
    assert count(graph, "MATCH (p:Publication)-[:MENTIONS_TRIAL]->() RETURN count(DISTINCT p)") == 2
