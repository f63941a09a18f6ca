"""``dnagan bench``: one model per encoder under identical conditions, every metric, one report."""
