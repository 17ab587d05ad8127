"""What a run tells its readers: region profiles, the methods note, workbooks and the wording they share."""
