"""What every registry source shares: normalisation of registry vocabularies, staging of parsed records."""
