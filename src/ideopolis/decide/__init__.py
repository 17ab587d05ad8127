"""Decision tools on a run: shortlists (``--where``), peers, what-if, compare."""
