"""Publishing: review sheets, subject pages, every export format, quotes, clips and the package."""
