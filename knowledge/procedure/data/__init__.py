"""Package data of the procedure advisor (YAML)."""
