"""EU Clinical Trials Register: full-text downloads and ctrdata JSON lines -> one StudyRecord per member state."""
