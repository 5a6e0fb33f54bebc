"""Add client search indexes: pg_trgm, a GIN trigram index on the normalised first name and
surname, b-trees for name prefixes, the normalised phone number and the lower-cased email.

Duplicate detection and the "as you type" client look-up (mtkcare/clients/duplicates.py) match
on normalised values, not on what staff happened to type: "Ngāta", "NGATA" and "ngata" are one
name, "+64 21 555 0123" and "021-555-0123" one number. The stored values are normalised by two
IMMUTABLE SQL functions created here and the indexes are on those functions, so no extra columns
need filling (the bulk demo-data generator and every service keep working unchanged); what staff
type is normalised by their Python twins, which a test keeps equal to these.

`mtkcare_name_key(first, last)`: letters with accents or macrons folded to plain letters (a fixed
`translate()` table: accent folding must not depend on a dictionary or locale, or the index would
be wrong after a configuration change), lower case, apostrophes removed (O'Brien = OBrien),
hyphens, dots, commas and runs of white space turned into one space. Keep it in step with
`name_key()` in mtkcare/clients/duplicates.py; a test compares the two.

`mtkcare_phone_key(phone)`: digits only; the NZ country code (+64 or 0064) becomes the leading 0
("+64 21 555 0123" -> "0215550123"); other international numbers keep a "+".

SQLite, the embedded single-user default, gets none of this: it has no pg_trgm and the look-up
uses a simpler, unindexed path there.

pg_trgm is a "trusted" extension (PostgreSQL 13+), so a database owner without superuser rights
can create it; on managed services it may have to be allow-listed first (Azure:
`azure.extensions`). The downgrade leaves the extension installed: other objects may use it, and
dropping it needs more rights than creating it.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "client_management_client"

# Latin letters with diacritics (U+00C0..U+024F whose compatibility decomposition is a plain
# letter plus combining marks, and a few letters with strokes) and the letter each folds to.
# Frozen here on purpose: a migration must not change when application code does.
FOLD_FROM = (
    "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģ"
    "ĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžƠơƯưǍǎǏǐǑǒǓǔǕǖǗ"
    "ǘǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳØøĐđŁłĦħıŦŧƗɨɃƀ"
)
FOLD_TO = (
    "AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGg"
    "HhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzOoUuAaIiOoUuUuU"
    "uUuUuAaAaGgKkOoOojGgNnAaAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYyOoDdLlHhiTtIiBb"
)
# Apostrophes join (O'Brien, Fusitu'a, the ʻokina); these separators split words.
APOSTROPHES = "'’‘ʻʼ`´"
SEPARATORS = r'[ \t\n\r\f\v\u00a0_.,;:/\\()"‐‑‒–—-]+'


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# The full name as one text (used three times below; a SQL function is inlined, so this costs
# nothing per use).
_FULL = "(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))"

# Inlined by the planner, and evaluated again for every row a trigram index scan has to
# recheck, so it is kept cheap: the long translate() only runs for the ~2% of names with a
# letter outside ASCII (octet length != character length), which made it ~3 times faster.
NAME_KEY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION mtkcare_name_key(first_name text, last_name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT btrim(regexp_replace(
        translate(
            lower(CASE
                WHEN octet_length{_FULL} = char_length{_FULL} THEN {_FULL}
                ELSE translate({_FULL}, {_sql_literal(FOLD_FROM)}, {_sql_literal(FOLD_TO)})
            END),
            {_sql_literal(APOSTROPHES)}, ''),
        {_sql_literal(SEPARATORS)}, ' ', 'g'))
$$
"""

PHONE_KEY_FUNCTION = r"""
CREATE OR REPLACE FUNCTION mtkcare_phone_key(phone text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN digits = '' THEN NULL
        WHEN international AND digits LIKE '64%' THEN '0' || substr(digits, 3)
        WHEN international THEN '+' || digits
        WHEN digits LIKE '0%' THEN digits
        WHEN digits LIKE '64%' AND length(digits) >= 10 THEN '0' || substr(digits, 3)
        ELSE '0' || digits
    END
    FROM (
        SELECT regexp_replace(regexp_replace(phone, '[^0-9]', '', 'g'), '^00', '') AS digits,
               phone ~ '^\s*(\+|00)' AS international
    ) AS parts
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(NAME_KEY_FUNCTION)
    op.execute(PHONE_KEY_FUNCTION)
    # GIN, not GiST: for `%` with a similarity threshold GIN was 4-27 times faster at 1M names
    # (notes/security-and-performance.md, B2). On first name and surname apart, not on the
    # whole name: a query needs both parts similar, which the index can check; on the whole
    # name every row sharing the first name passed the index and had to be rechecked (0.5 s
    # instead of ~10 ms at 1M clients).
    op.execute(
        f"CREATE INDEX ix_{TABLE}_name_parts_trgm ON {TABLE} USING gin ("
        f"mtkcare_name_key(first_name, '') gin_trgm_ops, "
        f"mtkcare_name_key('', last_name) gin_trgm_ops)"
    )
    # text_pattern_ops (character order, whatever the database's collation): these b-trees
    # serve `=`, `LIKE 'prefix%'` and `ORDER BY ... USING ~<~`. On "first last" and
    # "last first", they give the names that start with what was typed already in order, so a
    # look-up for "ma" reads 25 index entries, not every Maria.
    op.execute(
        f"CREATE INDEX ix_{TABLE}_name_key_prefix ON {TABLE} "
        f"(mtkcare_name_key(first_name, last_name) text_pattern_ops)"
    )
    op.execute(
        f"CREATE INDEX ix_{TABLE}_surname_key_prefix ON {TABLE} "
        f"(mtkcare_name_key(last_name, first_name) text_pattern_ops)"
    )
    op.execute(
        f"CREATE INDEX ix_{TABLE}_phone_key ON {TABLE} (mtkcare_phone_key(phone) text_pattern_ops)"
    )
    op.execute(f"CREATE INDEX ix_{TABLE}_email_lower ON {TABLE} (lower(email) text_pattern_ops)")
    # Planner statistics for the new expressions, so the first searches get good plans.
    op.execute(f"ANALYZE {TABLE}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP INDEX IF EXISTS ix_{TABLE}_email_lower")
    op.execute(f"DROP INDEX IF EXISTS ix_{TABLE}_phone_key")
    op.execute(f"DROP INDEX IF EXISTS ix_{TABLE}_surname_key_prefix")
    op.execute(f"DROP INDEX IF EXISTS ix_{TABLE}_name_key_prefix")
    op.execute(f"DROP INDEX IF EXISTS ix_{TABLE}_name_parts_trgm")
    op.execute("DROP FUNCTION IF EXISTS mtkcare_phone_key(text)")
    op.execute("DROP FUNCTION IF EXISTS mtkcare_name_key(text, text)")
