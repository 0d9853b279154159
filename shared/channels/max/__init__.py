"""MAX, the national messenger: a shop's bot (MAX Bot API), its webhook updates in, messages out."""
