"""Source documents, their parsers, curated data and the typed records they yield."""
