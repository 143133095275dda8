"""The packaged dialogue forms (YAML), one per plan kind."""
