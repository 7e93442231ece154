"""The PWA: its shell and assets, the service worker at /sw.js with a content-hashed precache list."""
