"""WHO ATC classification with DDDs → concept records (``trialgraph load atc``)."""
