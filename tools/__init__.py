"""What the command-line tools outside the application share (bench/, load/)."""
