"""Documents of a case (full texts): upload, storage, safe-file checks and access."""
