"""Citable releases: a lead freezes a published review's public data as release N."""
