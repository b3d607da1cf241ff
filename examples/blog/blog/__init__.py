"""The blog example: authors, posts and comments."""
