"""The public website: pages every visitor reads, in Swedish and English."""
