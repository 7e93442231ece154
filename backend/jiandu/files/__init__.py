"""Files every capability keeps: photos (checked, re-encoded, stored) and, later, resumable uploads."""
