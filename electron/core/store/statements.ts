/**
 * Compiled SQL statements, kept per connection.
 *
 * better-sqlite3 compiles the SQL on every `db.prepare()`. The stores run the same few statements over and over,
 * some of them once per friend or per held owner on periodic passes (a custodian holding for 10,000 owners), so
 * compiling each time cost more than the queries themselves. `prepared(db, sql)` compiles a statement once per
 * connection and hands back the same one after that.
 *
 * A cached statement is shared by every caller of the same SQL, so none may change its modes (`raw`, `pluck`,
 * `expand`: another caller would get rows of the wrong shape) or keep it busy (`iterate`). The type handed out
 * offers only `all`, `get` and `run`, so the compiler holds every caller to that.
 */
import type Database from 'better-sqlite3';

export type SharedStatement = Pick<Database.Statement, 'all' | 'get' | 'run'>;

const compiled = new WeakMap<Database.Database, Map<string, Database.Statement>>();

export function prepared(db: Database.Database, sql: string): SharedStatement {
  let statements = compiled.get(db);
  if (!statements) {
    statements = new Map();
    compiled.set(db, statements);
  }
  let statement = statements.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}
