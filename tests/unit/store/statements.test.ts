import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { prepared } from '../../../electron/core/store/statements.ts';

test('a statement is compiled once per connection and reused for the same SQL', () => {
  const a = new Database(':memory:');
  const b = new Database(':memory:');
  try {
    for (const db of [a, b]) db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER) STRICT');
    const insert = prepared(a, 'INSERT INTO t (k, v) VALUES (?, ?)');
    assert.equal(prepared(a, 'INSERT INTO t (k, v) VALUES (?, ?)'), insert);
    assert.notEqual(prepared(b, 'INSERT INTO t (k, v) VALUES (?, ?)'), insert, 'each connection has its own');
    insert.run('x', 1);
    prepared(a, 'INSERT INTO t (k, v) VALUES (?, ?)').run('y', 2);
    // Reused statements bind fresh parameters each time and still see the other connection's rows only there.
    assert.deepEqual(prepared(a, 'SELECT k, v FROM t ORDER BY k').all(), [
      { k: 'x', v: 1 },
      { k: 'y', v: 2 },
    ]);
    assert.deepEqual(prepared(b, 'SELECT k, v FROM t ORDER BY k').all(), []);
    assert.deepEqual(prepared(a, 'SELECT v FROM t WHERE k = ?').get('y'), { v: 2 });
  } finally {
    a.close();
    b.close();
  }
});
