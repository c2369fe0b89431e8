"""The seams between domain data and solver data (ids ↔ indices, units → integers, screening)."""
