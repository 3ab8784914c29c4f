"""Test doubles for the FireRedTTS2 worker: never part of the pod image."""
