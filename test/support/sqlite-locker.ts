/**
 * Holds an exclusive lock on a SQLite file for a while, from its own process (a lock held in
 * the test's process would block its own event loop). Prints "locked" once it holds it.
 * Usage: node --import tsx sqlite-locker.ts FILE MILLISECONDS
 */
import Database from 'better-sqlite3';

const [file, ms] = process.argv.slice(2);
const db = new Database(file!);
db.exec('BEGIN EXCLUSIVE');
process.stdout.write('locked\n');
setTimeout(() => {
  db.exec('COMMIT');
  db.close();
}, Number(ms));
