"""Organisation: jurisdictions, units, halls, points, users, roles, sign-in and scope."""
