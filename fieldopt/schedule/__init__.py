"""Repair schedules: solve, read back, report, save and load."""
