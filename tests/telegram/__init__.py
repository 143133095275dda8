"""A local Telegram Bot API server and helpers for the Telegram tests and benchmark."""
