"""Reading and writing scenarios: CSV folders, pandas DataFrames and SQL databases."""
