//! Named deliveries Lago's server really sends that the old docs examples do not show.
