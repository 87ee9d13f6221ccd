"""pqscan package."""
