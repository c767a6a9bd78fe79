"""Slack front: /registry slash commands."""
