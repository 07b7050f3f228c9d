"""Rendering: rich tables and the live step view for people, JSON documents for scripts."""
