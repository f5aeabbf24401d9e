"""The domain core: typed records, identifiers, keys and text rules that every layer shares.

Sources (``trialgraph.loaders``), the graph writer (``trialgraph.kg``), and the linking, retrieval and
model layers depend on this package; it depends on none of them. A type or rule that two sources or
two layers need lives here, once.

* :mod:`.study`: the registry study record (``StudyRecord``, ``IdClaim``...), one shape for every registry;
* :mod:`.concept`: vocabulary concepts and mappings; :mod:`.publication`, :mod:`.publication_link`;
* :mod:`.staged`: what a source hands the writer (``Staged``, ``Quarantined``);
* :mod:`.rows`: a study record as the rows the writer applies;
* :mod:`.trial_ids`, :mod:`.registry_ids`: finding and naming trial registration numbers;
* :mod:`.keys`: every merge key; :mod:`.text`: text cleaning; :mod:`.criteria`: eligibility items.
"""
