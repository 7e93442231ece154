"""Code of the sign-rendering processes; imported as the top-level module `jiandu_sign_proc` (see
jiandu/signs/__init__.py). This file only makes the folder part of the installed package."""
