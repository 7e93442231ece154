"""Intake (码上监督, 嵌入监督): window QR landing pages, citizen reports and ratings, tracking, the embed."""
