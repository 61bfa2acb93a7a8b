"""The protocol layer: pygls handlers that convert positions and call the pure core."""
