"""ISRCTN registry records (ctrdata JSON and ISRCTN API XML) → :class:`~trialgraph.model.study.StudyRecord`."""

from trialgraph.loaders.isrctn.api_xml import iter_api_xml_file
from trialgraph.loaders.isrctn.json_records import iter_json_file, iter_jsonl_file
from trialgraph.loaders.isrctn.mapping import trial_to_record

__all__ = ["iter_api_xml_file", "iter_json_file", "iter_jsonl_file", "trial_to_record"]
