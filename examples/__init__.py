"""Runnable examples of Flask-JWT-Kit; each one is tested."""
