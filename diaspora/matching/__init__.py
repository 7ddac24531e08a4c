"""The matching engine: pure scoring and ranking over plain data (no ORM), plus the adapter
that builds its index from the database and keeps it fresh."""
