"""Full-text indexes of the search entries, per database: FTS5 with triggers on SQLite, a
generated tsvector with GIN indexes and the `tincoso_vi` text search configuration on
PostgreSQL."""

from django.db import migrations

# --- Full-text indexes, per database (see search/models.py) ----------------

FTS_COLUMNS = "title_folded, number_key, body_folded, exact_terms"

SQLITE_FORWARD = [
    f"""CREATE VIRTUAL TABLE search_searchentry_fts USING fts5(
        {FTS_COLUMNS}, content='search_searchentry', content_rowid='page_id', tokenize='ascii')""",
    f"""CREATE TRIGGER search_searchentry_fts_ai AFTER INSERT ON search_searchentry BEGIN
        INSERT INTO search_searchentry_fts(rowid, {FTS_COLUMNS})
        VALUES (new.page_id, new.title_folded, new.number_key, new.body_folded, new.exact_terms);
    END""",
    f"""CREATE TRIGGER search_searchentry_fts_ad AFTER DELETE ON search_searchentry BEGIN
        INSERT INTO search_searchentry_fts(search_searchentry_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', old.page_id, old.title_folded, old.number_key, old.body_folded, old.exact_terms);
    END""",
    f"""CREATE TRIGGER search_searchentry_fts_au AFTER UPDATE ON search_searchentry BEGIN
        INSERT INTO search_searchentry_fts(search_searchentry_fts, rowid, {FTS_COLUMNS})
        VALUES ('delete', old.page_id, old.title_folded, old.number_key, old.body_folded, old.exact_terms);
        INSERT INTO search_searchentry_fts(rowid, {FTS_COLUMNS})
        VALUES (new.page_id, new.title_folded, new.number_key, new.body_folded, new.exact_terms);
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_searchentry_fts_au",
    "DROP TRIGGER IF EXISTS search_searchentry_fts_ad",
    "DROP TRIGGER IF EXISTS search_searchentry_fts_ai",
    "DROP TABLE IF EXISTS search_searchentry_fts",
]

# tincoso_vi: the `simple` configuration with `unaccent` in front on word tokens, so text
# with marks typed into a tsquery or tsvector by hand folds as the Python side does. The
# indexed columns are folded already, so both databases see exactly the same words.
PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'tincoso_vi') THEN
            CREATE TEXT SEARCH CONFIGURATION tincoso_vi (COPY = simple);
            ALTER TEXT SEARCH CONFIGURATION tincoso_vi ALTER MAPPING FOR
                asciiword, word, numword, asciihword, hword, numhword, hword_asciipart, hword_part,
                hword_numpart WITH unaccent, simple;
        END IF;
    END $$""",
    """ALTER TABLE search_searchentry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('tincoso_vi'::regconfig, title_folded), 'A') ||
        setweight(to_tsvector('tincoso_vi'::regconfig, number_key), 'B') ||
        setweight(to_tsvector('tincoso_vi'::regconfig, body_folded), 'C')) STORED""",
    """ALTER TABLE search_searchentry ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('tincoso_vi'::regconfig, title_folded)) STORED""",
    """ALTER TABLE search_searchentry ADD COLUMN exact_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('tincoso_vi'::regconfig, exact_terms)) STORED""",
    # Keep the heap rows small (long text and vectors out of line in TOAST), so that reading
    # the date of thousands of matches touches few pages.
    "ALTER TABLE search_searchentry SET (toast_tuple_target = 256)",
    "CREATE INDEX search_searchentry_search_gin ON search_searchentry USING GIN (search_vector)",
    "CREATE INDEX search_searchentry_title_gin ON search_searchentry USING GIN (title_vector)",
    "CREATE INDEX search_searchentry_exact_gin ON search_searchentry USING GIN (exact_vector)",
]
PG_BACKWARD = [
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS exact_vector",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS title_vector",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS tincoso_vi",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


OPERATIONS = [
    migrations.RunPython(
        _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
        _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
    )
]


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = OPERATIONS
