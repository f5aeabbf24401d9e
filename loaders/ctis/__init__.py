"""CTIS (EU Regulation 536/2014) trial JSON, both public-API generations -> StudyRecord."""
