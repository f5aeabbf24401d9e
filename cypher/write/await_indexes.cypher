// After creating the schema: wait (up to 300 s) until every index is online, so the first load uses them.
CALL db.awaitIndexes(300)
