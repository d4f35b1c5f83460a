"""The Future and waiting (wait, as_completed): what both pools' futures are."""
