"""Candidate records for screening: importing them (RIS, BibTeX, CSV, .xlsx) as searches, finding
and settling duplicates, and turning included records into cases."""
