"""Fieldwork: checklist supervision (清单监督), field visits, and the offline sync protocol."""
