"""Lessons no other explainer shows: each computes from real runs of the training pool."""
