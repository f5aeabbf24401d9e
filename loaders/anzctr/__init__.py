"""ANZCTR registry records (the registry's XML export) → :class:`~trialgraph.model.study.StudyRecord`."""

from trialgraph.loaders.anzctr.mapping import trial_to_record
from trialgraph.loaders.anzctr.xml import iter_anzctr_xml_file

__all__ = ["iter_anzctr_xml_file", "trial_to_record"]
