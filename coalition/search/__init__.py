"""Search: one interface over the texts people may read, with two backends chosen by the database
(PostgreSQL full-text search, SQLite FTS5). What a person may read is decided by coalition.access,
inside the same SQL statement as the match."""
