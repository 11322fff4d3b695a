-- From here on an energy row first written by the typed round has no fact_state row
-- until a later change needs one (dw._fact_state_from_ledger). Recorded as a version
-- so that a Helio older than that, which would take such rows for never seen, is
-- refused by `migrate` from a later one on, instead of writing wrong corrections.
COMMENT ON TABLE dw.fact_state IS 'Current values of each fact source row as the ledger implies them. An energy row changed only by its first insert may have no row here: its ledger original holds its values (dw._fact_state_from_ledger).';
