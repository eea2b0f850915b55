"""API groups: each module only describes requests and hands them to the pipeline."""
