"""Streaming parser for PubMed/MEDLINE XML: ``PubmedArticleSet`` and the older ``MedlineCitationSet``.

Pure: files in, :class:`PublicationRecord` / :class:`DeletedCitation` / :class:`Rejected` out. Files are
streamed with ``lxml.etree.iterparse`` and every finished article is cleared, so an annual baseline file
(~30,000 articles, ~200 MB unzipped) never sits in memory whole. Gzip is recognised by its magic bytes,
not by the file name.

What is not a usable citation becomes a ``Rejected`` with the file and position (``file[3]``: the fourth
article or deletion block; the PMID in ``record_id`` when known) and parsing goes on; a file that is not
PubMed XML gives one ``Rejected`` for the file. Only a path that does not exist raises
:class:`~trialgraph.errors.SourceError`.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from lxml import etree

from trialgraph.errors import ParseError
from trialgraph.loaders.files import iter_inputs, one_line, open_binary, or_no_records
from trialgraph.loaders.xmlstream import iter_end_elements, release
from trialgraph.model.publication import (
    AbstractSection,
    Author,
    DataBankAccession,
    DeletedCitation,
    Journal,
    MeshHeading,
    MeshQualifier,
    PublicationRecord,
    PublicationType,
    Rejected,
)

__all__ = ["PubmedItem", "iter_pubmed", "parse_pubmed_file"]

PubmedItem = PublicationRecord | DeletedCitation | Rejected

_ROOTS = frozenset({"PubmedArticleSet", "MedlineCitationSet"})
_UNITS = ("PubmedArticle", "MedlineCitation", "DeleteCitation", "PubmedBookArticle")
_NO_UNIT = "no <PubmedArticle>, <MedlineCitation> or <DeleteCitation> element"
"""What a file without a record lacks (a file of deletions only is not empty: it carries them)."""
_DATA_SUFFIXES = (".xml", ".xml.gz")
_PMID = re.compile(r"^\d{1,9}$")
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}
_MEDLINE_DATE = re.compile(r"(\d{4})(?:\s+([A-Za-z]{3})[A-Za-z]*)?")
_ORCID = re.compile(r"(\d{4}-?\d{4}-?\d{4}-?\d{3}[\dX])", re.IGNORECASE)


def iter_pubmed(paths: Iterable[Path | str]) -> Iterator[PubmedItem]:
    """Yield every citation, deletion and rejection in ``paths`` (files or folders), in a stable order.

    Files are found by :func:`trialgraph.loaders.files.iter_inputs`: folders walked in sorted order, ``.xml``
    and ``.xml.gz`` files parsed, notes (``.md``, ``.tsv``...) ignored, anything else rejected so nothing vanishes
    silently.

    Raises:
        SourceError: a path does not exist (a typo should stop the run, not load nothing).
    """
    for item in iter_inputs(paths, dict.fromkeys(_DATA_SUFFIXES, parse_pubmed_file), in_folders="data"):
        if isinstance(item, Rejected):
            yield item
        else:
            path, parse = item
            yield from or_no_records(path, parse(path), _NO_UNIT)  # a bare <PubmedArticleSet/>: refused whole


def parse_pubmed_file(path: Path) -> Iterator[PubmedItem]:
    """Stream one file; a damaged file yields what precedes the damage, then one ``Rejected`` for it."""
    origin = str(path)
    try:
        handle = open_binary(path)
    except OSError as exc:
        yield Rejected(origin, f"cannot read file: {one_line(exc)}")
        return
    with handle:
        try:
            yield from _iter_units(handle, origin)
        except etree.XMLSyntaxError as exc:
            where = f"{origin}:{exc.lineno}" if getattr(exc, "lineno", None) else origin
            yield Rejected(where, f"not well-formed XML: {one_line(exc)}", truncated=True)  # the rest is unread
        except (EOFError, zlib.error, OSError) as exc:
            yield Rejected(origin, f"truncated or damaged gzip file: {one_line(exc)}", truncated=True)


def _iter_units(handle: IO[bytes], origin: str) -> Iterator[PubmedItem]:
    # No DTD loading, no network, no entity expansion: PubMed files name a remote DTD we must not fetch.
    context = iter_end_elements(handle, _UNITS)
    checked_root = False
    position = 0
    for _event, element in context:
        if not checked_root:
            root_tag = element.getroottree().getroot().tag
            if root_tag not in _ROOTS:
                yield Rejected(origin, f"not a PubMed XML file: root element <{root_tag}>")
                return
            checked_root = True
        tag = element.tag
        if tag == "MedlineCitation" and element.getparent().tag == "PubmedArticle":
            continue  # handled with its PubmedArticle (which also holds the PubmedData ids)
        # Position, not line: the NLM baseline excerpts hold a whole file on one line.
        item = _HANDLERS[tag](element, f"{origin}[{position}]")
        position += 1
        release(element)
        yield item
    if not checked_root:
        root = context.root
        if root is None or root.tag not in _ROOTS:
            shown = "nothing" if root is None else f"<{root.tag}>"
            yield Rejected(origin, f"not a PubMed XML file: root element {shown}")


def _article(element: etree._Element, origin: str) -> PublicationRecord | Rejected:
    citation = element.find("MedlineCitation")
    if citation is None:
        return Rejected(origin, "PubmedArticle without MedlineCitation", None)
    return _citation_or_reject(citation, element.find("PubmedData"), origin)


def _medline_citation(element: etree._Element, origin: str) -> PublicationRecord | Rejected:
    return _citation_or_reject(element, None, origin)


def _deletion(element: etree._Element, origin: str) -> DeletedCitation | Rejected:
    pmids = tuple(p for p in (_text(el) for el in element.findall("PMID")) if p)
    bad = [p for p in pmids if not _PMID.match(p)]
    if bad:
        return Rejected(origin, f"DeleteCitation lists a malformed PMID {bad[0]!r}", bad[0])
    return DeletedCitation(pmids, origin)


def _book(element: etree._Element, origin: str) -> Rejected:
    pmid = _text(element.find("BookDocument/PMID"))
    return Rejected(origin, "PubmedBookArticle (book chapter) records are not loaded", pmid)


_HANDLERS = {
    "PubmedArticle": _article,
    "MedlineCitation": _medline_citation,
    "DeleteCitation": _deletion,
    "PubmedBookArticle": _book,
}


def _citation_or_reject(
    citation: etree._Element, pubmed_data: etree._Element | None, origin: str
) -> PublicationRecord | Rejected:
    try:
        return _citation(citation, pubmed_data, origin)
    except ParseError as exc:
        return Rejected(origin, exc.reason, exc.record_id)


def _citation(citation: etree._Element, pubmed_data: etree._Element | None, origin: str) -> PublicationRecord:
    pmid_el = citation.find("PMID")  # direct child only: CommentsCorrections hold other articles' PMIDs
    pmid = _text(pmid_el)
    if not pmid:
        raise ParseError("citation has no PMID")
    if not _PMID.match(pmid):
        raise ParseError(f"malformed PMID {pmid!r}", record_id=pmid)
    version_text = (pmid_el.get("Version") or "1").strip()
    if not version_text.isdigit():
        raise ParseError(f"PMID Version is not a number: {version_text!r}", record_id=pmid)
    article = citation.find("Article")
    if article is None:
        raise ParseError("citation has no Article element", record_id=pmid)
    return PublicationRecord(
        pmid=pmid,
        version=int(version_text),
        title=_text(article.find("ArticleTitle")) or _text(article.find("VernacularTitle")),
        abstract=_abstract(article),
        journal=_journal(article, citation),
        pub_date=_pub_date(article),
        authors=_authors(article),
        mesh_headings=_mesh(citation),
        publication_types=tuple(
            PublicationType(_attr(el, "UI"), name)
            for el in article.iterfind("PublicationTypeList/PublicationType")
            if (name := _text(el))
        ),
        databanks=_databanks(article),
        keywords=tuple(k for k in (_text(el) for el in citation.iterfind("KeywordList/Keyword")) if k),
        languages=tuple(lang for lang in (_text(el) for el in article.iterfind("Language")) if lang),
        doi=_doi(article, pubmed_data),
        pmc=_pmc(citation, pubmed_data),
        status=_attr(citation, "Status"),
        date_revised=_ymd(citation.find("DateRevised")),
        origin=origin,
    )


def _text(element: etree._Element | None) -> str | None:
    """All text inside ``element``, inline markup (<i>, <sup>, <sub>) included, whitespace collapsed."""
    if element is None:
        return None
    raw = (element.text or "") if len(element) == 0 else "".join(element.itertext())  # leaf: the common case
    text = " ".join(raw.split())
    return text or None


def _attr(element: etree._Element | None, name: str) -> str | None:
    if element is None:
        return None
    value = element.get(name)
    return value.strip() or None if value else None


def _yes(element: etree._Element) -> bool:
    return (element.get("MajorTopicYN") or "N").strip().upper() == "Y"


def _abstract(article: etree._Element) -> tuple[AbstractSection, ...]:
    return tuple(
        AbstractSection(_attr(el, "Label"), _attr(el, "NlmCategory"), text)
        for el in article.iterfind("Abstract/AbstractText")
        if (text := _text(el))
    )


def _journal(article: etree._Element, citation: etree._Element) -> Journal | None:
    journal = article.find("Journal")
    info = citation.find("MedlineJournalInfo")
    if journal is None and info is None:
        return None
    find = journal.find if journal is not None else (lambda _path: None)
    info_find = info.find if info is not None else (lambda _path: None)
    return Journal(
        title=_text(find("Title")),
        iso_abbreviation=_text(find("ISOAbbreviation")) or _text(info_find("MedlineTA")),
        issn=_text(find("ISSN")),
        issn_linking=_text(info_find("ISSNLinking")),
        nlm_unique_id=_text(info_find("NlmUniqueID")),
        volume=_text(find("JournalIssue/Volume")),
        issue=_text(find("JournalIssue/Issue")),
    )


def _month(text: str | None) -> int | None:
    """``"05"``, ``"5"`` or ``"May"`` → 5; anything else → None."""
    if not text:
        return None
    text = text.strip()
    if text.isdigit():
        value = int(text)
        return value if 1 <= value <= 12 else None
    return _MONTHS.get(text[:3].lower())


def _ymd(element: etree._Element | None) -> str | None:
    """A Year/Month/Day element as ``YYYY-MM-DD`` (or ``YYYY-MM``, ``YYYY``); None without a 4-digit year."""
    if element is None:
        return None
    year = _text(element.find("Year"))
    if not year or not (len(year) == 4 and year.isdigit()):
        return None
    month = _month(_text(element.find("Month")))
    if month is None:
        return year
    day = _text(element.find("Day"))
    if day and day.isdigit() and 1 <= int(day) <= 31:
        return f"{year}-{month:02d}-{int(day):02d}"
    return f"{year}-{month:02d}"


def _pub_date(article: etree._Element) -> str | None:
    """PubDate first (the issue date citations use), then its MedlineDate, then the electronic ArticleDate.

    ``MedlineDate`` is free text ("2015 Oct-Dec", "Winter 2016", "2019 May/June"): the first year, and
    the first month when one follows it directly, is the best a date field can hold.
    """
    pub_date = article.find("Journal/JournalIssue/PubDate")
    value = _ymd(pub_date)
    if value is None and pub_date is not None:
        medline = _text(pub_date.find("MedlineDate"))
        if medline and (m := _MEDLINE_DATE.search(medline)):
            month = _month(m.group(2))
            value = f"{m.group(1)}-{month:02d}" if month else m.group(1)
    if value is None:
        value = _ymd(article.find("ArticleDate"))
    return value


def _authors(article: etree._Element) -> tuple[Author, ...]:
    authors = []
    for el in article.iterfind("AuthorList/Author"):
        if (el.get("ValidYN") or "Y").strip().upper() == "N":
            continue  # an erroneous author entry NLM kept for the record, not an author
        affiliations = tuple(
            a
            for a in (_text(x) for x in (*el.iterfind("AffiliationInfo/Affiliation"), *el.iterfind("Affiliation")))
            if a
        )
        orcid = None
        for identifier in el.iterfind("Identifier"):
            if (identifier.get("Source") or "").upper() == "ORCID" and (m := _ORCID.search(_text(identifier) or "")):
                orcid = m.group(1).replace("-", "").upper()
                orcid = "-".join(orcid[i : i + 4] for i in range(0, 16, 4))
                break
        author = Author(
            last=_text(el.find("LastName")),
            fore=_text(el.find("ForeName")) or _text(el.find("FirstName")),
            initials=_text(el.find("Initials")),
            collective=_text(el.find("CollectiveName")),
            affiliations=affiliations,
            orcid=orcid,
        )
        if author.last or author.collective:
            authors.append(author)
    return tuple(authors)


def _mesh(citation: etree._Element) -> tuple[MeshHeading, ...]:
    headings = []
    for heading in citation.iterfind("MeshHeadingList/MeshHeading"):
        descriptor = heading.find("DescriptorName")
        name = _text(descriptor)
        if descriptor is None or not name:
            continue
        qualifiers = tuple(
            MeshQualifier(_attr(q, "UI"), q_name, _yes(q))
            for q in heading.iterfind("QualifierName")
            if (q_name := _text(q))
        )
        headings.append(MeshHeading(_attr(descriptor, "UI"), name, _yes(descriptor), qualifiers))
    return tuple(headings)


def _databanks(article: etree._Element) -> tuple[DataBankAccession, ...]:
    out = []
    for bank in article.iterfind("DataBankList/DataBank"):
        name = _text(bank.find("DataBankName"))
        if not name:
            continue
        for accession in bank.iterfind("AccessionNumberList/AccessionNumber"):
            if value := _text(accession):
                out.append(DataBankAccession(name, value))
    return tuple(out)


def _article_id(pubmed_data: etree._Element | None, id_type: str) -> str | None:
    if pubmed_data is None:
        return None
    # Direct path only: ReferenceList/Reference/ArticleIdList holds the ids of *cited* articles.
    for el in pubmed_data.iterfind("ArticleIdList/ArticleId"):
        if (el.get("IdType") or "").lower() == id_type:
            return _text(el)
    return None


def _doi(article: etree._Element, pubmed_data: etree._Element | None) -> str | None:
    doi = _article_id(pubmed_data, "doi")
    if doi is None:
        for el in article.iterfind("ELocationID"):
            if (el.get("EIdType") or "").lower() == "doi" and (el.get("ValidYN") or "Y").upper() != "N":
                doi = _text(el)
                break
    return doi.lower() if doi else None  # DOIs are case-insensitive; one spelling makes them a join key


def _pmc(citation: etree._Element, pubmed_data: etree._Element | None) -> str | None:
    pmc = _article_id(pubmed_data, "pmc")
    if pmc is None:  # MedlineCitationSet files carry the PMC id as an OtherID
        for el in citation.iterfind("OtherID"):
            value = _text(el)
            if value and value.upper().startswith("PMC"):
                pmc = value.split()[0]
                break
    return pmc.upper() if pmc else None
