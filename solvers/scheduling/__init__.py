"""Multi-skill, multi-day repair scheduling with CP-SAT (MSPSP with calendars)."""
