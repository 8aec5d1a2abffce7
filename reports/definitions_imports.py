"""Excel imports run as background jobs (large files): the result is a row-by-row report file."""
