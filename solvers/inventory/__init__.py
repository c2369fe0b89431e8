"""Multi-echelon spare-parts stocking (METRIC family), emergency shipments and rebalancing."""
