"""Bad files for the importers, run through the real CLI with a bound on memory (issue 12)."""
