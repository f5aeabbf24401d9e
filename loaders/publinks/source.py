"""What a publication source yields: publication records, deletion notices, trial–publication links, rejections.

A publication source (``pubmed``, ``intovalue``) is a ``trialgraph.loaders.base.Source`` with
``graph_writer = "publications"``; the publication writer (``trialgraph.kg.publications``) puts its items
in the graph.
"""

from __future__ import annotations

from trialgraph.model.concept import Rejected
from trialgraph.model.publication import DeletedCitation, PublicationRecord
from trialgraph.model.publication_link import TrialPublicationLink

__all__ = ["PublicationItem"]

PublicationItem = PublicationRecord | DeletedCitation | TrialPublicationLink | Rejected
